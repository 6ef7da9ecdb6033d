/// When periodic uploads run: every `period` seconds while now lies in [from, to]; the
/// first at `from` (or at once if `from` is past or open). Pure arithmetic, so the
/// scheduler is tested with any clock.
public struct ActivationWindow: Codable, Sendable, Equatable {
    public var from: Double?
    public var to: Double?
    public var period: Double

    public init(from: Double?, to: Double?, period: Double) {
        self.from = from
        self.to = to
        self.period = period
    }

    /// The time of the next run after a run at `lastRun` (nil: none yet), or nil when
    /// the window has closed.
    public func nextRun(now: Double, lastRun: Double?) -> Double? {
        let candidate: Double
        if let lastRun {
            candidate = max(lastRun + period, now)
        } else {
            candidate = max(from ?? now, now)
        }
        if let to, candidate > to { return nil }
        return candidate
    }
}
