import Synchronization
import Testing
@testable import UploadAgent

/// The watchdog pings while every probe answers, and stops when one does not.
@Suite struct WatchdogPulseTests {
    @Test func pingsStopWhileAProbeHangsAndResumeWhenItAnswers() async throws {
        let pings = Atomic<Int>(0)
        let hung = Atomic<Bool>(false)
        let stalls = Mutex<[String]>([])
        let pulse = WatchdogPulse(deadline: 0.3, probes: [
            .init("quick") {},
            .init("sometimes stuck") { while hung.load(ordering: .relaxed) { try? await Task.sleep(for: .milliseconds(5)) } },
        ], ping: { pings.add(1, ordering: .relaxed) }, stalled: { text in stalls.withLock { $0.append(text) } })
        defer { pulse.cancel() }
        try await Task.sleep(for: .milliseconds(800))
        #expect(pings.load(ordering: .relaxed) >= 2)
        hung.store(true, ordering: .relaxed)
        try await Task.sleep(for: .milliseconds(700))  // the deadline passes
        let whileHung = pings.load(ordering: .relaxed)
        try await Task.sleep(for: .milliseconds(600))
        #expect(pings.load(ordering: .relaxed) == whileHung)
        #expect(stalls.withLock { $0 }.contains { $0.hasPrefix("sometimes stuck has not answered") })
        hung.store(false, ordering: .relaxed)
        let deadline = ContinuousClock.now + .seconds(5)
        while pings.load(ordering: .relaxed) == whileHung && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(pings.load(ordering: .relaxed) > whileHung)
    }
}
