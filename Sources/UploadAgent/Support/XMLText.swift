/// The little XML the storage services need: one element's text from a small, flat reply
/// (S3 and Azure errors, an upload id, a block list entry) and escaping for the bodies we
/// write. A full parser would be weight without benefit.
enum XMLText {
    /// The text of the first `<name>…</name>` in `xml` (entities decoded), or nil.
    static func firstElement(_ name: String, in xml: some StringProtocol) -> String? {
        guard let open = xml.firstRange(of: "<\(name)>") else { return nil }
        let rest = xml[open.upperBound...]
        guard let close = rest.firstRange(of: "</\(name)>") else { return nil }
        return unescape(String(rest[rest.startIndex..<close.lowerBound]))
    }

    /// Escapes text content (quotes stay: S3 ETags keep theirs, as S3 documents them).
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(character)
            }
        }
        return out
    }

    static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacing("&lt;", with: "<").replacing("&gt;", with: ">")
            .replacing("&quot;", with: "\"").replacing("&apos;", with: "'")
            .replacing("&#xD;", with: "\r").replacing("&#xA;", with: "\n")
            .replacing("&amp;", with: "&")
    }
}
