import Testing
@testable import UploadAgent

/// Runs are planned from the last one, a new window starts afresh, and what the journal
/// keeps brings back the last run.
@Suite struct ActivationScheduleTests {
    @Test func runsFollowOneAnotherByThePeriodUntilTheWindowEnds() {
        var schedule = ActivationSchedule()
        #expect(schedule.planNext(now: 0) == nil && !schedule.isActive)
        schedule.replace(with: ActivationWindow(from: 100, to: 200, period: 30))
        #expect(schedule.planNext(now: 50) == 100)
        schedule.ran(at: 100)
        #expect(schedule.nextRunAt == nil)
        #expect(schedule.planNext(now: 101) == 130)
        schedule.ran(at: 130)
        schedule.ran(at: 160)
        schedule.ran(at: 190)
        #expect(schedule.planNext(now: 191) == nil, "the next run would fall after the window")
        #expect(schedule.isActive, "closing is the feature's decision once nothing is planned")
    }

    @Test func aNewWindowForgetsTheOldRunsAndTheJournalKeepsTheLastOne() {
        var schedule = ActivationSchedule(window: ActivationWindow(from: 0, to: nil, period: 10), lastRun: 40)
        #expect(schedule.planNext(now: 45) == 50)
        #expect(schedule.persisted == PersistedWindow(window: ActivationWindow(from: 0, to: nil, period: 10), lastRun: 40))
        schedule.replace(with: ActivationWindow(from: nil, to: nil, period: 10))
        #expect(schedule.lastRun == nil && schedule.nextRunAt == nil)
        #expect(schedule.planNext(now: 45) == 45, "an open window runs at once")
        schedule.replace(with: nil)
        #expect(schedule.persisted == nil && !schedule.isActive)
    }
}
