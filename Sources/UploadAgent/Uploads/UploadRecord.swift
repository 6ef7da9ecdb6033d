/// One triggered upload (the "parent"): its files are `<id>#1` … `<id>#<fileCount>`, and
/// its status is what the backend sees as `lastUpload`. Journaled without its files, so
/// a change of the parent never rewrites them.
public struct UploadRecord: Codable, Sendable, Equatable {
    public var correlationId: String
    public var state: UploadState = .pending
    public var startTime: Double
    public var endTime: Double?
    public var statusCode = ""
    public var message = ""
    public var info: [String: String] = [:]
    public var fileCount: Int
    /// The trigger's `options.X`, passed on as `X` in every request of this upload.
    public var requestOptions: [String: String] = [:]
    /// Matches left out, with the reason: a link leading outside the scope, or a size or
    /// count bound of the selection (the first few).
    public var refused: [RefusedFile] = []
    static let maxRefusedShown = 20
    /// `upload.priority`: higher goes first. Nil reads as 0 (as in journals written
    /// before priorities).
    public var priority: Int?
    /// `upload.archive`: the upload's one file is an archive of these members.
    public var archive: ArchiveInfo?
    /// `upload.compress`: each file goes out as a gzip copy staged in the state folder.
    public var compress: Bool?
    /// The highest progress the backend was told: what it is told never goes below it,
    /// not even when a restart begins a file again lower (nil: nothing told yet).
    var toldProgress: Int?

    // Not journaled: rebuilt from the files when the journal is read.
    var totals = UploadTotals()
    /// The last progress value published, so it is sent only when its integer changes.
    var publishedProgress = -1
    /// The next file number that may still need its first request.
    var nextToRequest = 1

    enum CodingKeys: String, CodingKey {
        case correlationId, state, startTime, endTime, statusCode, message, info, fileCount, requestOptions, refused, toldProgress,
             priority, archive, compress
    }

    public init(correlationId: String, startTime: Double, fileCount: Int) {
        self.correlationId = correlationId
        self.startTime = startTime
        self.fileCount = fileCount
    }

    var rank: Int { priority ?? 0 }

    func fileId(_ number: Int) -> String { "\(correlationId)#\(number)" }

    /// More files than any trigger selects: a record claiming so is damaged.
    static let maxFileCount = 10_000_000

    var fileIds: [String] { fileCount > 0 ? (1...fileCount).map(fileId) : [] }

    /// 0–100 over the bytes of all files (by file count when no sizes are known); 100
    /// only once the upload succeeded.
    public var progress: Int {
        if state == .success { return 100 }
        let fraction: Double
        if totals.totalBytes > 0 {
            fraction = Double(totals.doneBytes) / Double(totals.totalBytes)
        } else if fileCount > 0 {
            fraction = Double(totals.count(.success)) / Double(fileCount)
        } else {
            fraction = 0
        }
        let percent = fraction * 100
        return percent.isFinite ? Int(min(99, max(0, percent))) : 0
    }

    /// The progress the backend is told: 100 with SUCCESS, else the true progress but
    /// never below a value told before.
    var wireProgress: Int { state == .success ? 100 : max(progress, toldProgress ?? 0) }

    /// The `lastUpload` property value.
    var lastUploadValue: LastUploadValue { lastUploadValue(progress: wireProgress) }

    /// Kanto's zero time, its `endTime` of an upload that has not ended.
    static let unendedTime = "0001-01-01T00:00:00Z"

    /// The value as Kanto sends it: every state before the end is UPLOADING on the wire
    /// (PENDING shows only in the status file), and `endTime` is the zero time until then.
    func lastUploadValue(progress: Int) -> LastUploadValue {
        let wireState: UploadState = state == .pending ? .uploading : state
        return LastUploadValue(correlationId: correlationId, state: wireState.rawValue,
                               startTime: RFC3339.format(startTime),
                               endTime: state.isFinal ? endTime.map(RFC3339.format) ?? Self.unendedTime : Self.unendedTime,
                               statusCode: statusCode, message: message, progress: progress, info: info, archive: archive)
    }

    /// The entry in the status file's `uploads` and `recent`, with the file rows given
    /// (all of a small upload; the ones in flight of a large one) and which of them wait
    /// for a slot.
    func status(files: [FileRecord], isQueued: (String) -> Bool = { _ in false }) -> UploadStatus {
        UploadStatus(
            correlationId: correlationId, state: state.rawValue, progress: progress,
            startTime: RFC3339.format(startTime), endTime: Nullable(endTime.map(RFC3339.format)),
            statusCode: statusCode, message: message, fileCount: fileCount, fileStates: totals.stateCounts,
            files: files.map { $0.status(queued: isQueued($0.correlationId)) },
            refused: refused.isEmpty ? nil : refused, archive: archive)
    }
}
