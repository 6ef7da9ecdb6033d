/// What a trigger selected: the files to upload, each with the identity it had when its
/// real path was checked (the upload opens the file again and compares), and the files
/// left out because a link leads outside the scope, for the status and `lastUpload`.
public struct FileSelection: Sendable {
    /// One file to upload.
    public struct File: Sendable, Equatable {
        /// The path as the glob matched it: what the backend is told (`file.path`).
        public var path: String
        /// Where its links lead.
        public var realPath: String
        /// The file that real path named when it was checked.
        public var identity: FileIdentity
    }

    /// Sorted by path.
    public var files: [File]
    /// Matches that are not uploaded, with the reason (never the link's target: that is
    /// for the local log only).
    public var refused: [(path: String, reason: String)]

    public var paths: [String] { files.map(\.path) }
}
