@testable import UploadAgent

/// One response header value, read both as a resumable session's `Range` (how much the
/// server holds) and as `Retry-After` (how long to wait). Neither may trap; the offset is
/// never negative, and the wait is finite and within the policy's cap.
enum HeaderFuzzTarget: FuzzTarget {
    static let name = "headers"

    static func run(_ input: FuzzInput) {
        let value = input.text
        let persisted = ResumableSession.persistedEnd(HTTPResponse(status: 308, headers: ["range": value]))
        precondition(persisted >= 0, "Range '\(value)' gave a negative offset \(persisted)")
        _ = try? ResumableSession.checkedPersisted(persisted, total: 1 << 20, url: "https://example.invalid/u")

        let policy = RetryPolicy()
        let retryAfter = RetryPolicy.retryAfterSeconds(value)
        if let retryAfter { precondition(retryAfter >= 0, "Retry-After '\(value)' gave \(retryAfter)") }
        for attempt in [1, 7, 64] {
            let delay = policy.delay(afterAttempt: attempt, retryAfter: retryAfter, random: 0.5)
            precondition(delay.isFinite && delay >= 0 && delay <= policy.maxDelay,
                         "Retry-After '\(value)' gave a wait of \(delay)s")
        }
    }
}
