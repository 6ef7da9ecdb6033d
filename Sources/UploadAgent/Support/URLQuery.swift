/// The query parameters of a URL, percent-decoded; enough to read pre-signed URL expiry
/// fields without a URL library.
public enum URLQuery {
    public static func parameters(of url: String) -> [String: String] {
        guard let question = url.firstIndex(of: "?") else { return [:] }
        var query = url[url.index(after: question)...]
        if let hash = query.firstIndex(of: "#") { query = query[..<hash] }
        return parameters(query: String(query))
    }

    /// Parses `a=1&b=2` (a SAS token is such a string); the first of repeated keys wins.
    public static func parameters(query: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = PercentEncoding.decode(parts[0], plusAsSpace: true)
            if result[key] == nil { result[key] = parts.count > 1 ? PercentEncoding.decode(parts[1], plusAsSpace: true) : "" }
        }
        return result
    }
}
