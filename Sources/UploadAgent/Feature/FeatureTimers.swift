import Synchronization

/// Sleeps on the injected clock for the feature and posts each expiry into its mailbox,
/// so the feature itself holds no task: it arms, cancels, and acts on `.timer` events.
/// Every arming has a token; an expiry whose timer was cancelled or armed again since is
/// stale, and `fired` says so, so a late event never acts twice or out of turn.
/// Unsleeping timers (the simulator's) only keep their deadlines: whoever drives the
/// world asks for the next one (`nextDeadline`) and posts the expiries (`due`) itself.
final class FeatureTimers: Sendable {
    private struct Armed {
        let token: Int
        let deadline: Double
        let sleeper: Task<Void, Never>?
    }

    private let clock: any AgentClock
    private let mailbox: EventInbox<FeatureEvent>
    private let sleeps: Bool
    private let state = Mutex<(armed: [FeatureTimer: Armed], nextToken: Int)>(([:], 0))

    init(clock: any AgentClock, mailbox: EventInbox<FeatureEvent>, sleeps: Bool = true) {
        self.clock = clock
        self.mailbox = mailbox
        self.sleeps = sleeps
    }

    /// Arms `timer` to expire `seconds` from now, replacing an earlier arming of it. The
    /// deadline is fixed here, not when its task first runs.
    func arm(_ timer: FeatureTimer, after seconds: Double) {
        let (clock, mailbox, sleeps) = (self.clock, self.mailbox, self.sleeps)
        let deadline = clock.uptime() + seconds
        state.withLock { state in
            state.nextToken += 1
            let token = state.nextToken
            state.armed[timer]?.sleeper?.cancel()
            let sleeper = sleeps ? Task {
                guard (try? await clock.sleep(until: deadline)) != nil else { return }
                mailbox.yield(.timer(timer, token: token))
            } : nil
            state.armed[timer] = Armed(token: token, deadline: deadline, sleeper: sleeper)
        }
    }

    func isArmed(_ timer: FeatureTimer) -> Bool { state.withLock { $0.armed[timer] != nil } }

    func cancel(_ timer: FeatureTimer) {
        state.withLock { $0.armed.removeValue(forKey: timer) }?.sleeper?.cancel()
    }

    /// Whether this expiry is the current arming's (it is then disarmed), not a stale one.
    func fired(_ timer: FeatureTimer, token: Int) -> Bool {
        state.withLock { state in
            guard state.armed[timer]?.token == token else { return false }
            state.armed[timer] = nil
            return true
        }
    }

    /// The earliest deadline armed (on the clock's uptime).
    var nextDeadline: Double? { state.withLock { $0.armed.values.map(\.deadline).min() } }

    /// The expiries due by `uptime`, earliest first (ties in a fixed order), for an
    /// unsleeping driver to post.
    func due(by uptime: Double) -> [FeatureEvent] {
        state.withLock { state in
            state.armed.filter { $0.value.deadline <= uptime }
                .sorted { ($0.value.deadline, $0.value.token) < ($1.value.deadline, $1.value.token) }
                .map { .timer($0.key, token: $0.value.token) }
        }
    }
}
