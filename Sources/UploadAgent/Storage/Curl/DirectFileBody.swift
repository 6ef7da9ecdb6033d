#if canImport(Glibc)
import Glibc
#endif

/// When a request's body goes from the file to the socket by sendfile(2) instead of through
/// libcurl's buffer: a file body of at least `minimumLength` bytes, to a plain-HTTP URL,
/// straight to the server (a proxy may speak TLS to us), with no per-request rate cap
/// (libcurl's cap counts only the bytes it sends itself) and no Content-Length of the
/// caller's (the engine writes its own). Over HTTPS the bytes must be encrypted in user
/// space anyway, and small bodies cost nothing to copy.
enum DirectFileBody {
    static let minimumLength: Int64 = 1 << 20

    static let proxyVariables = ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]

    /// Whether the engine's connections go straight to the servers (no proxy configured or
    /// in the environment): asked once, when the engine starts.
    static func connectsDirectly(proxy: String?,
                                 environment: (String) -> String? = { getenv($0).map { String(cString: $0) } }) -> Bool {
        proxy == nil && proxyVariables.allSatisfy { environment($0)?.isEmpty ?? true }
    }

    /// Whether this request's body qualifies, on a direct connection.
    static func applies(to request: HTTPRequest) -> Bool {
        guard case .file(_, _, let length) = request.body, length >= minimumLength else { return false }
        guard request.url.prefix(7).lowercased() == "http://" else { return false }
        guard request.maxSendBytesPerSecond == nil, request.header("Content-Length") == nil,
              request.header("Transfer-Encoding") == nil else { return false }
        return true
    }
}
