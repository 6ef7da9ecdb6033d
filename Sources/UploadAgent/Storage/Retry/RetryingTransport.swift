/// Wraps a transport so that each request is retried on its own by `RetryPolicy`: a
/// failed S3 part or Azure block is sent again alone, never the whole file. Each attempt
/// re-reads its body from the file. Made per upload, so `onRetry` can count attempts
/// for the status file.
public struct RetryingTransport: HTTPTransport {
    public var base: any HTTPTransport
    public var policy: RetryPolicy
    /// Called before each new attempt with the attempt number about to start (2, 3, …)
    /// and the reason the previous one failed.
    public var onRetry: @Sendable (_ attempt: Int, _ reason: String) -> Void
    /// Waits between attempts; injectable so tests do not sleep.
    public var sleep: @Sendable (_ seconds: Double) async throws -> Void

    public init(base: any HTTPTransport, policy: RetryPolicy = RetryPolicy(),
                onRetry: @escaping @Sendable (Int, String) -> Void = { _, _ in },
                sleep: @escaping @Sendable (Double) async throws -> Void = { try await SystemClock().sleep(for: $0) }) {
        self.base = base
        self.policy = policy
        self.onRetry = onRetry
        self.sleep = sleep
    }

    public func send(_ request: HTTPRequest,
                     progress: @escaping @Sendable (Int64) -> Void) async throws -> HTTPResponse {
        var attempt = 1
        while true {
            let reason: String
            var retryAfter: Double?
            do {
                let response = try await base.send(request, progress: progress)
                guard RetryPolicy.retryableStatuses.contains(response.status), attempt < policy.maxAttempts else {
                    return response
                }
                reason = "HTTP \(response.status)"
                retryAfter = RetryPolicy.retryAfterSeconds(response.header("retry-after"))
            } catch let error as TransferError where error.kind == .network || error.kind == .timeout {
                guard attempt < policy.maxAttempts else {
                    throw TransferError(error.kind, "\(error.message), after \(attempt) attempts")
                }
                reason = error.message
            }
            try Task.checkCancellation()
            try await sleep(policy.delay(afterAttempt: attempt, retryAfter: retryAfter))
            attempt += 1
            onRetry(attempt, reason)
        }
    }
}
