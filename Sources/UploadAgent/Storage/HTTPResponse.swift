/// What came back for an `HTTPRequest`: the status, the headers (names lower-cased), and
/// the start of the body (capped, since bodies here are errors, XML or small JSON).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The header's value; `name` is matched lower-cased.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body as text, for error messages.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}
