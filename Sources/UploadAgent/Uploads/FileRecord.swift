/// One file of an upload (a "child", id `<parent>#<n>`): what the backend starts with its
/// own credentials. The journal keeps it, so after a restart the agent knows the file,
/// what it looked like, and what the storage server already holds of it.
public struct FileRecord: Codable, Sendable, Equatable {
    public var correlationId: String
    public var parentId: String
    public var path: String
    public var size: Int64
    /// The file as it was when its upload began (or was selected): a resumed upload of a
    /// file that changed since would mix old and new bytes.
    public var identity: FileIdentity?
    public var state: UploadState = .pending
    public var provider: String?
    /// The highest byte count acknowledged so far; never goes backwards across retries.
    public var transferred: Int64 = 0
    public var attempts = 0
    public var message = ""
    /// What the storage server confirmed, for a resume.
    public var serverProgress: ServerProgress?
    /// Uploaded with `delete` on, not yet deleted: a crash in between must not keep it.
    public var deletePending = false
    /// How often new credentials were asked for after the server refused the old ones.
    public var credentialRenewals = 0

    enum CodingKeys: String, CodingKey {
        case correlationId, parentId, path, size, identity, state, provider, transferred, attempts, message
        case serverProgress, deletePending, credentialRenewals
    }

    public init(correlationId: String, parentId: String, path: String, size: Int64, identity: FileIdentity? = nil) {
        self.correlationId = correlationId
        self.parentId = parentId
        self.path = path
        self.size = size
        self.identity = identity
    }

    /// The status file's state of a file that was started but waits for a free upload
    /// slot (UPLOADING on the wire, where Kanto has no such state).
    static let queuedState = "QUEUED"

    /// The entry in the status file's `files`; `queued` when it waits for a slot.
    func status(queued: Bool = false) -> FileStatus {
        FileStatus(correlationId: correlationId, path: path, size: size, transferred: transferred,
                   state: queued ? Self.queuedState : state.rawValue, attempts: attempts,
                   provider: Nullable(provider), message: message.isEmpty ? nil : message)
    }
}
