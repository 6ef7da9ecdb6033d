/// One file of an upload (a "child", id `<parent>#<n>`): what the backend starts with
/// its own credentials.
public struct FileUpload: Sendable {
    public var correlationId: String
    public var path: String
    public var size: Int64
    public var state: UploadState = .pending
    public var provider: String?
    /// The highest byte count acknowledged so far; never goes backwards across retries.
    public var transferred: Int64 = 0
    public var attempts = 0
    public var message = ""

    public init(correlationId: String, path: String, size: Int64) {
        self.correlationId = correlationId
        self.path = path
        self.size = size
    }

    var statusValue: JSONValue {
        var value: [String: JSONValue] = [
            "correlationId": .string(correlationId), "path": .string(path),
            "size": .number(Double(size)), "transferred": .number(Double(transferred)),
            "state": .string(state.rawValue), "attempts": .number(Double(attempts)),
            "provider": provider.map { .string($0) } ?? .null,
        ]
        if !message.isEmpty { value["message"] = .string(message) }
        return .object(value)
    }
}
