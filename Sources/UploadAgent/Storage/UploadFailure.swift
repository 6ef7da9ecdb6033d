/// An upload that ended without success; `message` goes to `lastUpload.message` and the
/// status file, so it names the cause (server status and message, network error) and
/// never a secret.
public struct UploadFailure: Error, Sendable, CustomStringConvertible {
    public var message: String

    /// The message is scrubbed here, once for every path: a server's error body quoted in
    /// it may echo a signature or token back.
    public init(_ message: String) { self.message = SecretRedactor.redact(message) }

    public var description: String { message }
}
