/// The parts of a request URL that SigV4 signs (host, path, query), taken apart without
/// Foundation's URL so that the path is used exactly as it will go on the wire: S3 signs
/// the path as sent, and any re-encoding here would break the signature.
struct AWSRequestURL: Sendable, Equatable {
    var scheme: String
    /// `host` or `host:port`, as the `Host` header carries it (default ports dropped).
    var hostHeader: String
    /// The path as sent, already URI-encoded; "/" when the URL has none.
    var path: String
    /// The raw query string without "?", or "" when there is none.
    var query: String

    init?(_ url: String) {
        guard let schemeEnd = url.firstRange(of: "://") else { return nil }
        scheme = url[..<schemeEnd.lowerBound].lowercased()
        var rest = url[schemeEnd.upperBound...]
        if let fragment = rest.firstIndex(of: "#") { rest = rest[..<fragment] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        guard !authority.isEmpty else { return nil }
        let pathAndQuery = rest[authorityEnd...]
        if let questionMark = pathAndQuery.firstIndex(of: "?") {
            path = String(pathAndQuery[..<questionMark])
            query = String(pathAndQuery[pathAndQuery.index(after: questionMark)...])
        } else {
            path = String(pathAndQuery)
            query = ""
        }
        if path.isEmpty { path = "/" }
        hostHeader = Self.hostHeader(authority: String(authority).lowercased(), scheme: scheme)
    }

    /// The canonical query string of SigV4: each name and value decoded, then encoded
    /// strictly, pairs sorted by name and then value, a name without value given "=".
    var canonicalQuery: String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: true).map { item -> (String, String) in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = PercentEncoding.encode(PercentEncoding.decode(parts[0]))
            let value = parts.count > 1 ? PercentEncoding.encode(PercentEncoding.decode(parts[1])) : ""
            return (name, value)
        }
        return pairs.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    private static func hostHeader(authority: String, scheme: String) -> String {
        let defaultPort = scheme == "https" ? ":443" : scheme == "http" ? ":80" : nil
        if let defaultPort, authority.hasSuffix(defaultPort) {
            return String(authority.dropLast(defaultPort.count))
        }
        return authority
    }
}
