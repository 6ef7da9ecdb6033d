/// Sends one signed S3 request and turns what can go wrong into the errors providers
/// throw: an S3 error reply or a transfer error becomes an `UploadFailure` naming the
/// operation; a cancellation stays a cancellation. A request S3 refuses for a wrong device
/// clock (`RequestTimeTooSkewed`) teaches `serverClock` the offset and is signed again.
struct S3Client: Sendable {
    let address: S3ObjectAddress
    let signer: SigV4Signer
    let transport: any HTTPTransport
    /// Learns the servers' clock from skew errors; the signer's clock should include it.
    let serverClock: ServerClockOffset
    /// The uncorrected device clock, to measure the offset against.
    let deviceNow: @Sendable () -> Double

    init(address: S3ObjectAddress, signer: SigV4Signer, transport: any HTTPTransport,
         serverClock: ServerClockOffset = ServerClockOffset(), deviceNow: @escaping @Sendable () -> Double = systemWallClock) {
        self.address = address
        self.signer = signer
        self.transport = transport
        self.serverClock = serverClock
        self.deviceNow = deviceNow
    }

    /// The SHA-256 of an empty body, for requests without one.
    static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// Sends `operation` (its S3 API name, for messages) and returns the 2xx response.
    /// File bodies are signed as `UNSIGNED-PAYLOAD` (see `SigV4Signer.unsignedPayload`);
    /// bodies in memory with their real SHA-256.
    func send(_ operation: String, method: String, key: String,
              query: [(name: String, value: String?)] = [],
              headers: [(name: String, value: String)] = [],
              body: HTTPRequest.Body = .none,
              progress: @escaping @Sendable (Int64) -> Void = { _ in }) async throws -> HTTPResponse {
        let response = try await response(operation, method: method, key: key, query: query, headers: headers,
                                          body: body, progress: progress)
        guard response.isSuccess else {
            throw UploadFailure(S3ErrorResponse(response).describe(operation: operation,
                                                                   scrubbing: signer.credentials.secrets),
                                credentialsRefused: UploadFailure.refusesCredentials(response.status))
        }
        return response
    }

    /// Like `send`, but returns the response whatever its status.
    func response(_ operation: String, method: String, key: String,
                  query: [(name: String, value: String?)] = [],
                  headers: [(name: String, value: String)] = [],
                  body: HTTPRequest.Body = .none,
                  progress: @escaping @Sendable (Int64) -> Void = { _ in }) async throws -> HTTPResponse {
        let payloadHash: String
        switch body {
        case .none: payloadHash = Self.emptyPayloadHash
        case .bytes(let bytes): payloadHash = SigV4Signer.payloadHash(bytes)
        case .file: payloadHash = SigV4Signer.unsignedPayload
        }
        let unsigned = HTTPRequest(method: method, url: address.url(key: key, query: query), headers: headers, body: body)
        do {
            let response = try await transport.send(signer.sign(unsigned, payloadHash: payloadHash), progress: progress)
            guard let serverTime = Self.serverTime(ofSkewError: response) else { return response }
            serverClock.learn(serverTime: serverTime, deviceTime: deviceNow())
            // Signed again with the corrected clock: the signer reads `serverClock`.
            return try await transport.send(signer.sign(unsigned, payloadHash: payloadHash), progress: progress)
        } catch let error as TransferError where error.kind != .cancelled {
            throw UploadFailure(scrub("S3 \(operation) failed: \(error.message)"))
        }
    }

    /// The server's time from a `RequestTimeTooSkewed` refusal: its `Date` header, or the
    /// `<ServerTime>` of the error document; nil for any other response.
    static func serverTime(ofSkewError response: HTTPResponse) -> Double? {
        guard response.status == 403, S3ErrorResponse(response).code == "RequestTimeTooSkewed" else { return nil }
        if let date = response.header("date").flatMap(HTTPDate.parse) { return date }
        return XMLText.firstElement("ServerTime", in: response.bodyText).flatMap(RFC3339.parseISO8601)
    }

    /// An S3 error text for `response`, secrets scrubbed.
    func describe(_ response: HTTPResponse, operation: String) -> String {
        S3ErrorResponse(response).describe(operation: operation, scrubbing: signer.credentials.secrets)
    }

    private func scrub(_ text: String) -> String {
        signer.credentials.secrets.reduce(text) { $0.replacing($1, with: "<redacted>") }
    }
}
