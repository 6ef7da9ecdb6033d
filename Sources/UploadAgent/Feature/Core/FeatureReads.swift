/// What the core's decisions read of the world at the moment they are made, and nothing
/// else: the files a trigger selects (its answer names what matched), whether a started
/// file is still there, the descriptor a transfer will read, the state of the link. Reads
/// change nothing; every change is a `FeatureEffect`.
protocol FeatureReads: Sendable {
    func select(requestedGlob: String?) throws(OperationError) -> FileSelection
    /// The size of a readable regular file; nil when it is not one (any more).
    func regularFileSize(_ path: String) -> Int64?
    func identity(of path: String) -> FileIdentity?
    /// Opens a file to upload: its descriptor is what the transfer reads.
    func open(_ path: String) throws(UploadFailure) -> OpenedFile
    /// The list of an archive's members, written when its upload was triggered.
    func manifest(forArchive path: String) -> ArchiveManifest?
    /// Why the link carries nothing now (data budget spent, timetable paused), if it does not.
    func linkHold() -> LinkAllowance.Hold?
}
