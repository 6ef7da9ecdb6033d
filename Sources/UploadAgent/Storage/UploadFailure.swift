/// An upload that ended without success; `message` goes to `lastUpload.message` and the
/// status file, so it names the cause (server status and message, network error) and
/// never a secret.
public struct UploadFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// The server refused the credentials (401/403: an expired URL or token, a revoked
    /// key). The agent then asks the backend for new ones instead of failing at once,
    /// since a resumed upload may outlive the credentials it started with.
    public var credentialsRefused: Bool

    /// The message is scrubbed here, once for every path: a server's error body quoted in
    /// it may echo a signature or token back.
    public init(_ message: String, credentialsRefused: Bool = false) {
        self.message = SecretRedactor.redact(message)
        self.credentialsRefused = credentialsRefused
    }

    /// Whether an HTTP status means the credentials were refused.
    static func refusesCredentials(_ status: Int) -> Bool { status == 401 || status == 403 }

    public var description: String { message }
}
