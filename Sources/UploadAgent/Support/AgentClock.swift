/// The agent's time, injected as one value: the wall clock (timestamps, expiry, activation
/// windows), a monotonic clock (intervals and deadlines, which must not jump when the wall
/// clock is set) and sleeping on the latter. The daemon runs on `SystemClock`; the unit
/// tests on a clock they advance by hand, so no test waits on real time for a timer.
public protocol AgentClock: Sendable {
    /// Wall-clock seconds since the epoch.
    func now() -> Double
    /// Seconds on a clock that only moves forward, from an arbitrary origin.
    func uptime() -> Double
    /// Suspends until `uptime` reaches `deadline`; throws `CancellationError` when cancelled.
    func sleep(until deadline: Double) async throws
}

extension AgentClock {
    /// Suspends for `seconds` of `uptime` from now.
    public func sleep(for seconds: Double) async throws {
        try await sleep(until: uptime() + seconds)
    }
}
