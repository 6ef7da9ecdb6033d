/// What an upload's archive holds, journaled with the upload and shown in the status file
/// and `lastUpload` (`archive`): the format, the member count and their bytes before
/// compression. Until the archive is written, the counts are those selected.
public struct ArchiveInfo: Codable, Sendable, Equatable {
    public var format: ArchiveFormat
    public var members: Int
    public var memberBytes: Int64

    public init(format: ArchiveFormat, members: Int, memberBytes: Int64) {
        self.format = format
        self.members = members
        self.memberBytes = memberBytes
    }
}
