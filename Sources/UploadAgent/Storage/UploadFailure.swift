/// An upload that ended without success; `message` goes to `lastUpload.message` and the
/// status file, so it names the cause (server status and message, network error) and
/// never a secret.
public struct UploadFailure: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
