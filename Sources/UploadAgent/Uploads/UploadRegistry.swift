/// All uploads the feature knows and their files, as records updated in place: an event
/// about one file touches that file and its parent's running sums, never a copy of the
/// whole upload. Owned by the feature actor; the journal, the status file and `lastUpload`
/// are projections of it.
struct UploadRegistry: Sendable {
    private(set) var uploads: [String: UploadRecord] = [:]
    /// Uploads not yet in a final state, oldest first.
    private(set) var live: [String] = []
    private(set) var files: [String: FileRecord] = [:]

    /// Adds an upload with its files (or, read from the journal, with those still known).
    mutating func insert(_ upload: UploadRecord, files newFiles: [FileRecord]) {
        var upload = upload
        upload.totals = UploadTotals()
        for file in newFiles {
            upload.totals.add(file)
            files[file.correlationId] = file
        }
        uploads[upload.correlationId] = upload
        if !upload.state.isFinal { live.append(upload.correlationId) }
    }

    func upload(_ id: String) -> UploadRecord? { uploads[id] }

    func file(_ id: String) -> FileRecord? { files[id] }

    /// The files of an upload that are still held, in file order.
    func files(of upload: UploadRecord) -> [FileRecord] {
        upload.fileIds.compactMap { files[$0] }
    }

    /// Changes one file and keeps its parent's sums right; returns the file as changed.
    @discardableResult
    mutating func updateFile(_ id: String, _ change: (inout FileRecord) -> Void) -> FileRecord? {
        guard var file = files[id] else { return nil }
        let before = file
        change(&file)
        guard file != before else { return file }
        files[id] = file
        uploads[file.parentId]?.totals.remove(before)
        uploads[file.parentId]?.totals.add(file)
        return file
    }

    @discardableResult
    mutating func updateUpload(_ id: String, _ change: (inout UploadRecord) -> Void) -> UploadRecord? {
        guard var upload = uploads[id] else { return nil }
        let wasLive = !upload.state.isFinal
        change(&upload)
        uploads[id] = upload
        if wasLive && upload.state.isFinal { live.removeAll { $0 == id } }
        return upload
    }

    /// Drops the file records of a finished upload; its record (and sums) stay until the
    /// backend has its final status.
    mutating func releaseFiles(of id: String) {
        guard let upload = uploads[id] else { return }
        for fileId in upload.fileIds { files[fileId] = nil }
    }

    /// Forgets an upload entirely.
    mutating func remove(_ id: String) {
        releaseFiles(of: id)
        uploads[id] = nil
        live.removeAll { $0 == id }
    }

    /// The parent of a file id (`<parent>#<n>`), when it is known.
    func parentId(ofFile id: String) -> String? { files[id]?.parentId }
}
