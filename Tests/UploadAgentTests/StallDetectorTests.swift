import Testing
@testable import UploadAgent

@Suite struct StallDetectorTests {
    @Test func flowingBytesNeverStall() {
        var detector = StallDetector(limit: 2, connectAllowance: 30, now: 0)
        for second in 1...100 {
            detector.observe(bytesMoved: Int64(second) * 1000, now: Double(second))
            #expect(detector.stalledFor(now: Double(second) + 1.9) == nil)
        }
    }

    @Test func stallsExactlyAfterTheLimitWithoutAveragingWindow() {
        var detector = StallDetector(limit: 2, connectAllowance: 30, now: 0)
        detector.observe(bytesMoved: 5_000_000, now: 1)  // a burst, then nothing
        #expect(detector.stalledFor(now: 2.9) == nil)
        #expect(detector.stalledFor(now: 3.0) == 2.0)
    }

    @Test func anUnchangedCounterIsNotActivity() {
        var detector = StallDetector(limit: 2, connectAllowance: 30, now: 0)
        detector.observe(bytesMoved: 100, now: 1)
        detector.observe(bytesMoved: 100, now: 2)
        detector.observe(bytesMoved: 100, now: 2.5)
        #expect(detector.stalledFor(now: 3.1) != nil)
    }

    @Test func theConnectPhaseGetsTheConnectTimeoutOnTop() {
        var detector = StallDetector(limit: 2, connectAllowance: 30, now: 0)
        detector.observe(bytesMoved: 0, now: 1)  // progress calls while connecting
        #expect(detector.stalledFor(now: 31.9) == nil)
        #expect(detector.stalledFor(now: 32) != nil)
    }

    @Test func otherActivityResetsTheClock() {
        var detector = StallDetector(limit: 2, connectAllowance: 30, now: 0)
        detector.recordActivity(now: 10)  // e.g. response headers, or a pause for the bandwidth cap
        #expect(detector.stalledFor(now: 11.9) == nil)
        #expect(detector.stalledFor(now: 12) == 2)
    }
}
