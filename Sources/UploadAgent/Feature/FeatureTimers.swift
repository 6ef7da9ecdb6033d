import Synchronization

/// Sleeps on the injected clock for the core's timers and posts each expiry into the
/// mailbox, with the token of its arming (`FeatureTimerTable` tells a stale one).
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
    private let armed = Mutex<[FeatureTimer: Armed]>([:])

    init(clock: any AgentClock, mailbox: EventInbox<FeatureEvent>, sleeps: Bool = true) {
        self.clock = clock
        self.mailbox = mailbox
        self.sleeps = sleeps
    }

    /// Arms `timer` to post its expiry at `deadline` (on the clock's uptime), replacing
    /// an earlier arming of it.
    func arm(_ timer: FeatureTimer, deadline: Double, token: Int) {
        let (clock, mailbox) = (self.clock, self.mailbox)
        let sleeper = sleeps ? Task {
            guard (try? await clock.sleep(until: deadline)) != nil else { return }
            mailbox.yield(.timer(timer, token: token))
        } : nil
        armed.withLock { $0.updateValue(Armed(token: token, deadline: deadline, sleeper: sleeper), forKey: timer) }?.sleeper?.cancel()
    }

    func cancel(_ timer: FeatureTimer) {
        armed.withLock { $0.removeValue(forKey: timer) }?.sleeper?.cancel()
    }

    /// The expiry of this arming arrived: it is no longer armed here.
    func expired(_ timer: FeatureTimer, token: Int) {
        armed.withLock { armed in
            if armed[timer]?.token == token { armed[timer] = nil }
        }
    }

    /// The earliest deadline armed (on the clock's uptime).
    var nextDeadline: Double? { armed.withLock { $0.values.map(\.deadline).min() } }

    /// The expiries due by `uptime`, earliest first (ties in a fixed order), for an
    /// unsleeping driver to post.
    func due(by uptime: Double) -> [FeatureEvent] {
        armed.withLock { armed in
            armed.filter { $0.value.deadline <= uptime }
                .sorted { ($0.value.deadline, $0.value.token) < ($1.value.deadline, $1.value.token) }
                .map { .timer($0.key, token: $0.value.token) }
        }
    }
}
