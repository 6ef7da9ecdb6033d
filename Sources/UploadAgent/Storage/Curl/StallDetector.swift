/// Decides when a transfer has stalled: no byte moved (sent or received) for `limit`
/// seconds (`stallTimeout`). libcurl's own low-speed check averages the speed over a
/// five-second window, so a transfer that stopped dead after a burst tripped it about
/// five seconds late (`stallTimeout: "2s"` fired after ~7 s); this watches the byte
/// counters directly, so the limit means what the config says.
///
/// Until the first sign of life the connect timeout governs (libcurl enforces it), so a
/// slow but healthy TCP + TLS connect is never mistaken for a stall: the limit then is
/// `connectAllowance + limit`.
struct StallDetector {
    let limit: Double
    let connectAllowance: Double
    private var lastActivity: Double
    private var sawActivity = false
    private var lastCount: Int64 = 0

    init(limit: Double, connectAllowance: Double, now: Double) {
        self.limit = limit
        self.connectAllowance = connectAllowance
        lastActivity = now
    }

    /// Notes the transfer's byte counter (sent + received); activity when it changed.
    mutating func observe(bytesMoved count: Int64, now: Double) {
        guard count != lastCount else { return }
        lastCount = count
        recordActivity(now: now)
    }

    /// Something moved that the counters may not show yet (libcurl asked for body bytes,
    /// response headers arrived, or the agent paused the transfer itself to keep the
    /// bandwidth cap): the link is not stalled.
    mutating func recordActivity(now: Double) {
        lastActivity = now
        sawActivity = true
    }

    /// How long nothing moved, once that reaches the limit; nil while the transfer flows.
    func stalledFor(now: Double) -> Double? {
        let idle = now - lastActivity
        return idle >= (sawActivity ? limit : connectAllowance + limit) ? idle : nil
    }
}
