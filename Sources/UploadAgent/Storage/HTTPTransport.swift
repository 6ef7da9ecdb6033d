/// The seam between storage providers and the network. Providers build requests; a
/// transport sends them. The production transport is `CurlTransferEngine`; the retry
/// layer (`RetryingTransport`) wraps any transport.
public protocol HTTPTransport: Sendable {
    /// Sends the request and returns the response, whatever its status. Throws
    /// `TransferError` when no response arrived (connection failure, timeout, abort).
    /// `progress` is called with the body bytes sent so far in this attempt.
    /// Cancelling the calling task stops the transfer at once.
    func send(_ request: HTTPRequest,
              progress: @escaping @Sendable (_ bytesSent: Int64) -> Void) async throws -> HTTPResponse
}
