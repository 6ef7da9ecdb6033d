/// The states of an upload, as `lastUpload.state` spells them.
public enum UploadState: String, Codable, Sendable, Equatable, CaseIterable {
    case pending = "PENDING"
    case uploading = "UPLOADING"
    case paused = "PAUSED"
    case success = "SUCCESS"
    case failed = "FAILED"
    case canceled = "CANCELED"

    /// An upload in a final state never changes again.
    public var isFinal: Bool { self == .success || self == .failed || self == .canceled }
}
