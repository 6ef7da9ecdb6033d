/// The machine's clocks: `CLOCK_REALTIME` (moved by the debug build's offset hook) and
/// `CLOCK_MONOTONIC`. The only place the agent sleeps on real time.
public struct SystemClock: AgentClock {
    public init() {}

    public func now() -> Double { systemWallClock() }

    public func uptime() -> Double { monotonicSeconds() }

    public func sleep(until deadline: Double) async throws {
        let seconds = deadline - uptime()
        guard seconds > 0 else { return try Task.checkCancellation() }
        try await Task.sleep(for: .seconds(seconds))
    }
}
