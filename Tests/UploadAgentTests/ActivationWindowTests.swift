import Testing
@testable import UploadAgent

@Suite struct ActivationWindowTests {
    @Test func firstRunAtFromOrAtOnce() {
        let window = ActivationWindow(from: 100, to: 200, period: 30)
        #expect(window.nextRun(now: 50, lastRun: nil) == 100)
        #expect(window.nextRun(now: 120, lastRun: nil) == 120)
        #expect(ActivationWindow(from: nil, to: nil, period: 30).nextRun(now: 7, lastRun: nil) == 7)
    }

    @Test func everyPeriodUntilTheEnd() {
        let window = ActivationWindow(from: 100, to: 200, period: 30)
        var runs: [Double] = []
        var last: Double?
        while let next = window.nextRun(now: last ?? 0, lastRun: last) {
            runs.append(next)
            last = next
        }
        #expect(runs == [100, 130, 160, 190])
    }

    @Test func missedRunsAreNotBunched() {
        let window = ActivationWindow(from: 0, to: nil, period: 10)
        // The gateway slept from 10 to 55: one run now, not five.
        #expect(window.nextRun(now: 55, lastRun: 10) == 55)
    }

    @Test func closedWindowHasNoRun() {
        #expect(ActivationWindow(from: 0, to: 10, period: 5).nextRun(now: 11, lastRun: nil) == nil)
    }
}
