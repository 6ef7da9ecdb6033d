/// Which of the core's timers are armed, each with the token of its arming. Whoever
/// sleeps for them (`FeatureTimers`) posts `.timer(timer, token:)`; an expiry whose timer
/// was cancelled or armed again since is stale, and `fired` says so, so a late event
/// never acts twice or out of turn.
struct FeatureTimerTable: Sendable {
    private var armed: [FeatureTimer: Int] = [:]
    private var lastToken = 0

    /// Arms (or re-arms) `timer`: the token its expiry must carry.
    mutating func arm(_ timer: FeatureTimer) -> Int {
        lastToken += 1
        armed[timer] = lastToken
        return lastToken
    }

    /// Whether `timer` was armed (it is not any more).
    mutating func cancel(_ timer: FeatureTimer) -> Bool { armed.removeValue(forKey: timer) != nil }

    func isArmed(_ timer: FeatureTimer) -> Bool { armed[timer] != nil }

    /// Whether this expiry is the current arming's (it is then disarmed), not a stale one.
    mutating func fired(_ timer: FeatureTimer, token: Int) -> Bool {
        guard armed[timer] == token else { return false }
        armed[timer] = nil
        return true
    }
}
