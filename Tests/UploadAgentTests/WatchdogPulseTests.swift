import Synchronization
import Testing
@testable import UploadAgent

/// The watchdog pings while every probe answers, and stops when one does not. The test
/// drives the ticks and the clock itself: no timer, no waiting on real time.
@Suite struct WatchdogPulseTests {
    @Test func pingsStopWhileAProbeHangsAndResumeWhenItAnswers() async {
        let clock = Mutex<Double>(0)
        let hung = Atomic<Bool>(false)
        let stalls = Mutex<[String]>([])
        let pulse = WatchdogPulse(deadline: 10, probes: [
            .init("quick") {},
            .init("sometimes stuck") { while hung.load(ordering: .relaxed) { await Task.yield() } },
        ], ping: {}, stalled: { text in stalls.withLock { $0.append(text) } },
           now: { clock.withLock { $0 } }, ticking: false)
        func at(_ time: Double) { clock.withLock { $0 = time } }
        func answered(leaving inFlight: Int) async { while pulse.probesInFlight > inFlight { await Task.yield() } }

        #expect(pulse.tick())
        await answered(leaving: 0)
        at(5)
        #expect(pulse.tick())
        await answered(leaving: 0)  // both answered at 5
        hung.store(true, ordering: .relaxed)
        at(6)
        #expect(pulse.tick(), "answered 1 s ago")
        await answered(leaving: 1)  // the stuck one hangs from here
        at(16)
        #expect(!pulse.tick(), "no answer for 11 s: no ping")
        await answered(leaving: 1)  // the quick one answered again
        at(17)
        #expect(!pulse.tick())
        #expect(stalls.withLock { $0 } == ["sometimes stuck has not answered for 10.0s: no longer pinging the watchdog"],
                "told once per stall")
        hung.store(false, ordering: .relaxed)
        await answered(leaving: 0)
        at(18)
        #expect(pulse.tick(), "pings again once it answers")
    }
}
