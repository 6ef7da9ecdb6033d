/// How one run of an upload relates to earlier runs: what the server confirmed before
/// (nil for a fresh upload) and where to report each new confirmation, so the caller can
/// journal it. Providers without server-side state (a plain PUT) ignore both.
public struct UploadResumption: Sendable {
    public var from: ServerProgress?
    /// Called with the newest confirmed state after every change; nil once nothing is
    /// left to resume (the object is complete).
    public var confirmed: @Sendable (ServerProgress?) -> Void
    /// Whether a cancellation means "the agent stops, resume later" rather than "the
    /// backend cancelled": then multipart uploads are kept, not aborted.
    public var keepsServerStateOnCancel: @Sendable () -> Bool

    public init(from: ServerProgress? = nil,
                confirmed: @escaping @Sendable (ServerProgress?) -> Void = { _ in },
                keepsServerStateOnCancel: @escaping @Sendable () -> Bool = { false }) {
        self.from = from
        self.confirmed = confirmed
        self.keepsServerStateOnCancel = keepsServerStateOnCancel
    }

    /// A fresh upload whose progress nobody records.
    public static let none = UploadResumption()
}
