/// One HTTP request as the storage providers describe it; the transfer engine turns it
/// into a libcurl easy handle. Bodies are described, never held: a file range is read
/// piece by piece from disk while it is sent, so memory stays flat whatever the size.
public struct HTTPRequest: Sendable {
    /// Where the request body comes from.
    public enum Body: Sendable, Equatable {
        case none
        case bytes([UInt8])
        /// `length` bytes of the file at `path`, starting at `offset`.
        case file(path: String, offset: Int64, length: Int64)

        /// The number of bytes the body sends.
        public var length: Int64 {
            switch self {
            case .none: return 0
            case .bytes(let bytes): return Int64(bytes.count)
            case .file(_, _, let length): return length
            }
        }
    }

    public var method: String
    public var url: String
    /// Header fields in the order they are sent. A header a caller sets overrides the
    /// engine's defaults of the same name.
    public var headers: [(name: String, value: String)]
    public var body: Body
    /// Per-request transfer limits; nil means the engine's defaults.
    public var maxSendBytesPerSecond: Int64?

    public init(method: String, url: String, headers: [(name: String, value: String)] = [],
                body: Body = .none, maxSendBytesPerSecond: Int64? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.maxSendBytesPerSecond = maxSendBytesPerSecond
    }

    /// The value of the first header with this name (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Sets a header, replacing any of the same name.
    public mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.name.lowercased() == name.lowercased() }
        headers.append((name, value))
    }
}
