/// An entry of the status file's `uploads` (running) and `recent` (ended): the upload's
/// state, its counts of files per state, and its file rows (all of a small upload, the
/// ones in flight of a large one). `refused` and `archive` appear only when there are any.
struct UploadStatus: Encodable, Sendable {
    var correlationId: String
    var state: String
    var progress: Int
    var startTime: String
    var endTime: Nullable<String>
    var statusCode: String
    var message: String
    var fileCount: Int
    var fileStates: FileStateCounts
    var files: [FileStatus]
    var refused: [RefusedFile]?
    var archive: ArchiveInfo?
}
