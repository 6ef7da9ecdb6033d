import Synchronization
import Testing
@testable import UploadAgent

@Suite struct LinkLimitTests {
    func timetable(_ text: String) throws -> BandwidthTimetable { try BandwidthTimetable.parse(text).get() }

    @Test func aSingleRateIsTodaysMaxBandwidth() throws {
        #expect(try timetable("2MB") == BandwidthTimetable(rate: 2_000_000))
        #expect(try timetable("0") == .unlimited)
        #expect(try timetable("2MB").rate(atSecondOfDay: 0) == .limited(bytesPerSecond: 2_000_000))
        #expect(try timetable("0").rate(atSecondOfDay: 5000) == .unlimited)
        #expect(try timetable("2MB").secondsUntilNextChange(fromSecondOfDay: 10) == nil)
    }

    @Test func eachRateHoldsUntilTheNextAndTheLastWrapsPastMidnight() throws {
        let table = try timetable("08:00,512KB 18:00,4MB 23:00,off 23:30:15,0")
        #expect(table.rate(atSecondOfDay: 8 * 3600) == .limited(bytesPerSecond: 512_000))
        #expect(table.rate(atSecondOfDay: 18 * 3600 - 1) == .limited(bytesPerSecond: 512_000))
        #expect(table.rate(atSecondOfDay: 18 * 3600) == .limited(bytesPerSecond: 4_000_000))
        #expect(table.rate(atSecondOfDay: 23 * 3600 + 1) == .unlimited)
        #expect(table.rate(atSecondOfDay: 23 * 3600 + 1815) == .paused)
        #expect(table.rate(atSecondOfDay: 3 * 3600) == .paused, "the night before 08:00 keeps the last rate")
        #expect(table.secondsUntilNextChange(fromSecondOfDay: 7 * 3600) == 3600)
        #expect(table.secondsUntilNextChange(fromSecondOfDay: 23 * 3600 + 1815) == 86_400 - (23 * 3600 + 1815) + 8 * 3600)
        #expect(table.highestLimit == nil, "an unlimited period sizes transfers as unlimited")
        #expect(try timetable("08:00,512KB 18:00,4MB").highestLimit == 4_000_000)
        #expect(table.description == "08:00,512000 18:00,4000000 23:00,off 23:30:15,0")
    }

    @Test func whatIsNotATimetableSaysWhy() {
        for text in ["fast", "8:00,1MB", "08:00", "25:00,1MB", "08:00,1MB 08:00,2MB", "08:00,lots", "08:60,1MB"] {
            guard case .failure(let problem) = BandwidthTimetable.parse(text) else {
                Issue.record("'\(text)' accepted")
                continue
            }
            #expect(!problem.description.isEmpty)
        }
    }

    @Test func aBudgetCountsPerPeriodAndOpensAgainInTheNext() {
        var budget = DataBudget(limit: 4_000_000, period: 20, periodStart: 1000)
        budget.spend(3_000_000, at: 1005)
        #expect(budget.remaining(at: 1006) == 1_000_000 && budget.heldUntil(at: 1006) == nil)
        budget.spend(1_000_000, at: 1010)
        #expect(budget.remaining(at: 1010) == 0 && budget.heldUntil(at: 1010) == 1020)
        #expect(budget.remaining(at: 1020) == 4_000_000 && budget.heldUntil(at: 1020) == nil)
        budget.spend(10, at: 1065)
        #expect(budget.periodStart == 1060 && budget.spent == 10, "periods follow each other from the first")
    }

    @Test func aClockSetBackNeverHandsOutAFreshBudget() {
        var budget = DataBudget(limit: 100, period: 60, periodStart: 10_000, spent: 100)
        budget.advance(to: 5_000)
        #expect(budget.spent == 100 && budget.periodStart == 5_000 && budget.heldUntil(at: 5_001) == 5_060)
    }

    @Test func budgetsParseAsSizePerDuration() {
        #expect(DataBudget.parse("500MB/24h") == DataBudget.Limit(bytes: 500_000_000, period: 86_400))
        #expect(DataBudget.parse("10MiB/1m") == DataBudget.Limit(bytes: 10_485_760, period: 60))
        for text in ["500MB", "0/1h", "1MB/0s", "1MB/forever", "/1h"] { #expect(DataBudget.parse(text) == nil, "\(text)") }
    }

    @Test func theAllowanceHoldsWhenTheBudgetIsSpentAndTellsTheStoreAtOnce() {
        let now = Mutex(1000.0)
        let told = Mutex<[Int64]>([])
        let link = LinkAllowance(timetable: .unlimited, budget: DataBudget(limit: 1000, period: 10, periodStart: 1000),
                                 clock: { now.withLock { $0 } }, secondOfDay: { _ in 0 },
                                 budgetChanged: { budget in told.withLock { $0.append(budget.spent) } })
        #expect(!link.isUnlimited && link.hold() == nil)
        link.spend(400)
        link.spend(400)  // within a second of the first: not told
        #expect(told.withLock { $0 } == [400])
        link.spend(200)  // the budget runs out: told at once
        #expect(told.withLock { $0 } == [400, 1000])
        #expect(link.budgetRemaining() == 0)
        #expect(link.hold() == LinkAllowance.Hold(until: 1010, reason: "the data budget of 1000 bytes per 10s is spent"))
        now.withLock { $0 = 1010 }
        #expect(link.hold() == nil && link.budgetRemaining() == 1000)
    }

    @Test func theAllowanceFollowsTheTimetableAcrossABoundary() throws {
        let now = Mutex(0.0)
        let link = LinkAllowance(timetable: try timetable("00:00,1MB 00:00:10,0 00:00:20,off"), budget: nil,
                                 clock: { now.withLock { $0 } }, secondOfDay: { Int($0) % 86_400 })
        #expect(link.rate() == .limited(bytesPerSecond: 1_000_000) && link.schedule().nextChangeAt == 10)
        now.withLock { $0 = 12 }
        #expect(link.rate() == .paused)
        #expect(link.hold() == LinkAllowance.Hold(until: 20, reason: "the bandwidth timetable pauses uploads"))
        now.withLock { $0 = 20 }
        #expect(link.rate() == .unlimited && link.hold() == nil)
    }
}
