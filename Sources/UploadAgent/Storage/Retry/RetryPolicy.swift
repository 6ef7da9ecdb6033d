/// When and how long to wait before sending a failed request again. Transient failures
/// (network, timeouts, 408, 429, 502, 503, 504) are retried with exponential backoff and
/// jitter; everything else fails at once, because sending the same bytes again to a
/// server that refused them only wastes a cellular link.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int = 8
    public var initialDelay: Double = 1
    public var maxDelay: Double = 60
    public static let retryableStatuses: Set<Int> = [408, 429, 502, 503, 504]

    public init(maxAttempts: Int = 8, initialDelay: Double = 1, maxDelay: Double = 60) {
        self.maxAttempts = maxAttempts
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
    }

    /// The delay before attempt `attempt + 1` (attempt counts from 1): doubling from
    /// `initialDelay`, capped at `maxDelay`, with "equal jitter" so that many gateways
    /// that lost the same link do not come back in lockstep. A server's `Retry-After`
    /// (seconds) wins when it asks for longer, capped at `maxDelay`.
    public func delay(afterAttempt attempt: Int, retryAfter: Double? = nil,
                      random: Double = Double.random(in: 0...1)) -> Double {
        let exponential = min(maxDelay, initialDelay * Double(1 << min(attempt - 1, 30)))
        let jittered = exponential / 2 + exponential / 2 * random
        guard let retryAfter else { return jittered }
        return min(maxDelay, max(jittered, retryAfter))
    }

    /// Parses `Retry-After` in its delta-seconds form; the HTTP-date form is rare on
    /// upload endpoints and falls back to the backoff.
    public static func retryAfterSeconds(_ header: String?) -> Double? {
        guard let header, let seconds = Double(header.trimmingCharacters(in: " ")), seconds >= 0 else { return nil }
        return seconds
    }
}
