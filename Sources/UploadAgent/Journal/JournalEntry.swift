/// One record of the upload journal. Each says what changed, in full for the one thing it
/// names (an upload without its files, one file), so replaying them in order rebuilds the
/// registry, and a change costs one small record whatever the size of its upload.
enum JournalEntry: JournalRecord {
    /// The first record: the format of the records after it.
    case header(version: Int)
    case window(PersistedWindow?)
    case upload(UploadRecord)
    case file(FileRecord)
    /// The upload ended and the backend acknowledged its final status.
    case removeUpload(id: String)
    /// The last `lastUpload` sent, so a registration after a restart can restore it.
    case lastReported(upload: UploadRecord, progress: Int)
    /// The number the next generated upload id (`upload-id-<n>`) takes: ids never repeat
    /// across restarts, even when the clock went back, so the backend never hears a new
    /// upload under the id of one that already ended.
    case nextUploadNumber(Int)

    var headerVersion: Int? {
        if case .header(let version) = self { return version }
        return nil
    }

    var coalescingKey: String? {
        switch self {
        case .header, .removeUpload: return nil
        case .window: return "window"
        case .upload(let upload): return "u:" + upload.correlationId
        case .file(let file): return "f:" + file.correlationId
        case .lastReported: return "lastReported"
        case .nextUploadNumber: return "nextUploadNumber"
        }
    }

    var makesRecordsMoot: Bool {
        if case .removeUpload = self { return true }
        return false
    }

    /// A removed upload's own record and its files' records (ids "<upload>#<n>").
    func makesMoot(_ key: String) -> Bool {
        guard case .removeUpload(let id) = self else { return false }
        return key == "u:" + id || key.hasPrefix("f:" + id + "#")
    }
}
