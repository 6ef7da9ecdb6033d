/// Why an archive could not be made; `message` is what the backend and the log are told.
public enum ArchiveError: Error, Equatable, Sendable {
    /// Larger than the bound (`archiveMaxSize`, or the space left in the state folder).
    case tooLarge(limit: Int64, reason: String)
    /// The disk filled up while it was written.
    case noSpace(String)
    /// A member was truncated while it was read: its bytes would not be the selected ones.
    case memberChanged(String)
    /// Every member was gone or changed before it could be read.
    case nothingLeft
    case failed(String)

    public var message: String {
        switch self {
        case .tooLarge(let limit, let reason): "the archive grew beyond \(limit) bytes (\(reason)); not uploaded"
        case .noSpace(let folder): "the archive could not be written: no space left in \(folder)"
        case .memberChanged(let path): "\(path) was truncated while it was archived; not uploaded"
        case .nothingLeft: "every selected file was gone or changed before it was archived"
        case .failed(let problem): "the archive could not be written: \(problem)"
        }
    }
}
