/// One triggered upload (the "parent"): the files it covers and the status the backend
/// sees as `lastUpload`. Pure data; `AutoUploadableFeature` owns and changes it.
public struct Upload: Sendable {
    public var correlationId: String
    public var state: UploadState = .pending
    public var startTime: Double
    public var endTime: Double?
    public var statusCode = ""
    public var message = ""
    public var info: [String: String] = [:]
    public var files: [FileUpload]
    /// The last progress value published, so it is sent only when its integer changes.
    var publishedProgress = -1

    public init(correlationId: String, startTime: Double, files: [FileUpload]) {
        self.correlationId = correlationId
        self.startTime = startTime
        self.files = files
    }

    /// 0–100 over the bytes of all files (by file count when no sizes are known); 100
    /// only once the upload succeeded.
    public var progress: Int {
        if state == .success { return 100 }
        let total = files.reduce(Int64(0)) { $0 + $1.size }
        let fraction: Double
        if total > 0 {
            fraction = Double(files.reduce(Int64(0)) { $0 + min($1.transferred, $1.size) }) / Double(total)
        } else if !files.isEmpty {
            fraction = Double(files.filter { $0.state == .success }.count) / Double(files.count)
        } else {
            fraction = 0
        }
        return min(99, Int(fraction * 100))
    }

    /// The `lastUpload` property value.
    public var lastUploadValue: JSONValue {
        [
            "correlationId": .string(correlationId), "state": .string(state.rawValue),
            "startTime": .string(RFC3339.format(startTime)),
            "endTime": endTime.map { .string(RFC3339.format($0)) } ?? .null,
            "statusCode": .string(statusCode), "message": .string(message),
            "progress": .number(Double(progress)),
            "info": .object(info.mapValues { .string($0) }),
        ]
    }

    /// The entry in the status file's `uploads` and `recent`.
    public var statusValue: JSONValue {
        [
            "correlationId": .string(correlationId), "state": .string(state.rawValue),
            "progress": .number(Double(progress)),
            "startTime": .string(RFC3339.format(startTime)),
            "endTime": endTime.map { .string(RFC3339.format($0)) } ?? .null,
            "statusCode": .string(statusCode), "message": .string(message),
            "files": .array(files.map(\.statusValue)),
        ]
    }
}
