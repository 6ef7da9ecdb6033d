/// What the journal held at start-up, replayed into plain values for the feature.
struct JournalState: Sendable {
    var window: PersistedWindow?
    /// Whether the journal said anything about the window (nil then means deactivated).
    var windowRecorded = false
    /// Uploads in the order they were first recorded.
    var uploads: [UploadRecord] = []
    var files: [String: FileRecord] = [:]
    var lastReported: (upload: UploadRecord, progress: Int)?
    /// Uploads whose end the backend acknowledged (removed since): damaged records about
    /// them cost nothing.
    var removed: Set<String> = []
    var nextUploadNumber: Int?

    /// Applies one record, as `UploadJournal` read it.
    mutating func apply(_ entry: JournalEntry) {
        switch entry {
        case .header:
            break
        case .window(let window):
            self.window = window
            windowRecorded = true
        case .upload(let upload):
            guard (0...UploadRecord.maxFileCount).contains(upload.fileCount) else { return }  // damaged
            removed.remove(upload.correlationId)
            if let index = uploads.firstIndex(where: { $0.correlationId == upload.correlationId }) {
                uploads[index] = upload
            } else {
                uploads.append(upload)
            }
        case .file(let file):
            files[file.correlationId] = file
        case .removeUpload(let id):
            removed.insert(id)
            guard let index = uploads.firstIndex(where: { $0.correlationId == id }) else { return }
            for fileId in uploads[index].fileIds { files[fileId] = nil }
            uploads.remove(at: index)
        case .lastReported(let upload, let progress):
            lastReported = (upload, progress)
        case .nextUploadNumber(let number):
            nextUploadNumber = max(nextUploadNumber ?? number, number)
        }
    }
}
