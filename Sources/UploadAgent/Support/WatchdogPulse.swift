import Dispatch
import Synchronization

/// Pings systemd's watchdog only while the agent's working parts answer: each probe (the
/// feature actor, the transfer engine thread) must have answered a heartbeat within
/// `deadline` (half of `WatchdogSec`). A wedged actor or thread stops the pings, and
/// systemd restarts the agent; an independent timer alone would report it healthy for
/// ever. The ticks run on a dispatch timer, not a task, so a busy cooperative pool
/// delays only the probes, which is what they measure.
///
/// `@unchecked`: the dispatch timer is thread-safe but not marked Sendable; everything
/// else is immutable or behind the mutex.
public final class WatchdogPulse: @unchecked Sendable {
    /// One part that must answer: `answer` returns once that part has run it.
    public struct Probe: Sendable {
        public var name: String
        public var answer: @Sendable () async -> Void

        public init(_ name: String, answer: @escaping @Sendable () async -> Void) {
            self.name = name
            self.answer = answer
        }
    }

    private struct ProbeState {
        var lastAnswer: Double
        var inFlight = false
    }

    private struct State {
        var probes: [ProbeState]
        var stalled: Set<Int> = []
    }

    private let probes: [Probe]
    private let deadline: Double
    private let state: Mutex<State>
    private let timer: (any DispatchSourceTimer)?
    private let now: @Sendable () -> Double
    private let stalled: @Sendable (String) -> Void

    /// Starts at once: probes and (while all answer) pings every `deadline / 2` seconds.
    /// `stalled` is told the names of parts that stopped answering, once per stall.
    /// Without `ticking`, nothing runs until `tick()` is called (the unit tests' clock).
    public init(deadline: Double, probes: [Probe], ping: @escaping @Sendable () -> Void,
                stalled: @escaping @Sendable (String) -> Void = { _ in },
                now: @escaping @Sendable () -> Double = monotonicSeconds, ticking: Bool = true) {
        self.probes = probes
        self.deadline = deadline
        self.now = now
        self.stalled = stalled
        let start = now()
        state = Mutex(State(probes: probes.map { _ in ProbeState(lastAnswer: start) }))
        guard ticking else {
            timer = nil
            return
        }
        let timer = DispatchSource.makeTimerSource(queue: .global())
        self.timer = timer
        timer.schedule(deadline: .now(), repeating: max(0.01, deadline / 2))
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            if self.tick() { ping() }
        }
        timer.resume()
    }

    public func cancel() {
        timer?.cancel()
    }

    /// Probes sent and not answered yet.
    var probesInFlight: Int { state.withLock { $0.probes.filter(\.inFlight).count } }

    /// Sends probes that are not already waiting; true when every part answered in time.
    func tick() -> Bool {
        let time = now()
        var toSend: [Int] = []
        var newlyStalled: [String] = []
        let healthy = state.withLock { state in
            var healthy = true
            for index in probes.indices {
                if !state.probes[index].inFlight {
                    state.probes[index].inFlight = true
                    toSend.append(index)
                }
                let late = time - state.probes[index].lastAnswer > deadline
                if late {
                    healthy = false
                    if state.stalled.insert(index).inserted { newlyStalled.append(probes[index].name) }
                } else {
                    state.stalled.remove(index)
                }
            }
            return healthy
        }
        for name in newlyStalled {
            stalled("\(name) has not answered for \(deadline)s: no longer pinging the watchdog")
        }
        for index in toSend {
            let probe = probes[index]
            Task.detached { [self] in
                await probe.answer()
                let answered = now()
                state.withLock { state in
                    state.probes[index].lastAnswer = answered
                    state.probes[index].inFlight = false
                }
            }
        }
        return healthy
    }
}
