/// What went into a written archive, for the status file and `lastUpload`.
public struct ArchiveSummary: Sendable, Equatable {
    public var memberCount: Int
    /// The members' bytes before compression.
    public var memberBytes: Int64
    public var archiveBytes: Int64
    /// Members left out because they were gone or replaced when they were read, with why.
    public var skipped: [(path: String, reason: String)]

    public static func == (lhs: ArchiveSummary, rhs: ArchiveSummary) -> Bool {
        lhs.memberCount == rhs.memberCount && lhs.memberBytes == rhs.memberBytes && lhs.archiveBytes == rhs.archiveBytes
            && lhs.skipped.map(\.path) == rhs.skipped.map(\.path)
    }
}
