/// The data budget (`dataBudget: "500MB/24h"`): at most `limit` bytes of request bodies per
/// period, re-sends included (they cost money too). Periods follow each other from the
/// first one's start, so what was spent survives a restart inside a period (the agent saves
/// `periodStart` and `spent`). A pure value; the clock is the caller's.
public struct DataBudget: Sendable, Equatable, Codable {
    public let limit: Int64
    public let period: Double
    public private(set) var periodStart: Double
    public private(set) var spent: Int64

    public init(limit: Int64, period: Double, periodStart: Double, spent: Int64 = 0) {
        self.limit = max(1, limit)
        self.period = max(1, period)
        self.periodStart = periodStart
        self.spent = max(0, spent)
    }

    /// What the config asks for: `bytes` per `period` seconds.
    public struct Limit: Sendable, Equatable {
        public var bytes: Int64
        public var period: Double
    }

    /// `"<size>/<duration>"`: `"500MB/24h"`, `"20GB/720h"`, `"10MB/1m"`; nil otherwise.
    public static func parse(_ text: String) -> Limit? {
        let fields = text.split(separator: "/", omittingEmptySubsequences: false)
        guard fields.count == 2, let limit = ByteRate.parse(String(fields[0])), limit > 0,
              let period = GoDuration.parse(String(fields[1]).trimmingCharacters(in: " ")), period >= 1 else { return nil }
        return Limit(bytes: limit, period: period)
    }

    public var periodEnd: Double { periodStart + period }

    /// Moves to the period `now` falls in: a new one starts empty. A clock set back before
    /// this period's start begins a new period at `now`, keeping what was spent, so a wrong
    /// clock never hands out a fresh budget.
    public mutating func advance(to now: Double) {
        if now >= periodEnd {
            periodStart += ((now - periodStart) / period).rounded(.down) * period
            spent = 0
        } else if now < periodStart {
            periodStart = now
        }
    }

    /// What may still be sent in the period of `now`.
    public func remaining(at now: Double) -> Int64 {
        var current = self
        current.advance(to: now)
        return max(0, current.limit - current.spent)
    }

    public mutating func spend(_ bytes: Int64, at now: Double) {
        advance(to: now)
        spent += max(0, bytes)
    }

    /// When sending may go on, while the budget of `now`'s period is spent; nil otherwise.
    public func heldUntil(at now: Double) -> Double? {
        var current = self
        current.advance(to: now)
        return current.spent >= current.limit ? current.periodEnd : nil
    }

    /// The same budget under `limit` (the config may have changed since it was saved),
    /// keeping the period's start and what was spent in it.
    public func configured(_ limit: Limit) -> DataBudget {
        DataBudget(limit: limit.bytes, period: limit.period, periodStart: periodStart, spent: spent)
    }
}
