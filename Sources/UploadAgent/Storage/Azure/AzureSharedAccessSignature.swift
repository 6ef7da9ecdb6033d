/// The `azure.shared.access.signature` option: a SAS query string that authorises every
/// request by itself. It is a secret (its `sig=` is an HMAC that grants access), so this
/// type also knows how to keep it out of anything a person reads.
struct AzureSharedAccessSignature: Sendable, Equatable {
    /// The query string without a leading `?`, exactly as given (already percent-encoded).
    let query: String

    /// Accepts the SAS with or without a leading `?`.
    init(_ text: String) {
        var value = Substring(text)
        while value.first == "?" { value.removeFirst() }
        query = String(value)
    }

    /// The decoded value of a SAS parameter (`se`, `st`, `sig`, …).
    func parameter(_ name: String) -> String? {
        URLQuery.parameters(query: query)[name]
    }

    /// When the SAS stops working (`se`, seconds since 1970), nil when absent or unreadable.
    var expiry: Double? {
        parameter("se").flatMap(RFC3339.parseISO8601)
    }

    /// `text` with every trace of this SAS's signature removed: `sig=` values of any URL,
    /// and the signature itself as given and as decoded.
    func redact(_ text: String) -> String {
        var result = Self.redactSignatureParameters(text)
        var secrets: [String] = []
        for pair in query.split(separator: "&") where pair.hasPrefix("sig=") {
            let raw = String(pair.dropFirst(4))
            secrets.append(raw)
            secrets.append(PercentEncoding.decode(raw, plusAsSpace: true))
        }
        for secret in secrets where secret.count >= 4 {
            result = result.replacing(secret, with: "REDACTED")
        }
        return result
    }

    /// Replaces the value of every `sig=` query parameter in `text` with `REDACTED`.
    static func redactSignatureParameters(_ text: String) -> String {
        var output = ""
        var rest = Substring(text)
        while let range = rest.firstRange(of: "sig=") {
            let before = rest[rest.startIndex..<range.lowerBound]
            let isParameterStart = before.last.map { $0 == "?" || $0 == "&" || $0 == " " || $0 == "\n" } ?? true
            output += before
            output += "sig="
            rest = rest[range.upperBound...]
            if isParameterStart {
                output += "REDACTED"
                let end = rest.firstIndex { $0 == "&" || $0 == " " || $0 == "\"" || $0 == "'" || $0 == "\n" || $0 == "<" }
                rest = rest[(end ?? rest.endIndex)...]
            }
        }
        return output + rest
    }
}
