/// Lets a repeated warning through once per `interval` and counts what it held back, so a
/// flood of bad payloads cannot flood the log (journald would drop the agent's own lines).
struct LogRateLimit: Sendable {
    let interval: Double
    private var lastLogged: Double?
    private var suppressed = 0

    init(interval: Double) { self.interval = interval }

    /// Nil when the line is to be held back; otherwise how many were held back before it.
    mutating func admit(now: Double) -> Int? {
        if let lastLogged, now - lastLogged < interval {
            suppressed += 1
            return nil
        }
        lastLogged = now
        defer { suppressed = 0 }
        return suppressed
    }
}
