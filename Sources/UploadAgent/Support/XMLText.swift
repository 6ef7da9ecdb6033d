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
    /// Works on Unicode scalars: a `<` followed by a combining mark is one Character, and
    /// must be escaped all the same.
    static func escape(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// The entities the services write, decoded in one pass over the scalars (so `&amp;lt;`
    /// stays `&lt;`, and an entity followed by a combining mark is still found).
    static func unescape(_ text: String) -> String {
        guard text.unicodeScalars.contains("&") else { return text }
        var out = String.UnicodeScalarView()
        var rest = text.unicodeScalars[...]
        while let scalar = rest.first {
            if scalar == "&", let (entity, character) = entities.first(where: { rest.starts(with: $0.0.unicodeScalars) }) {
                out.append(character)
                rest = rest.dropFirst(entity.unicodeScalars.count)
            } else {
                out.append(scalar)
                rest = rest.dropFirst()
            }
        }
        return String(out)
    }

    private static let entities: [(String, Unicode.Scalar)] = [
        ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&apos;", "'"), ("&#xD;", "\r"), ("&#xA;", "\n"), ("&amp;", "&"),
    ]
}
