/// The little XML S3 needs: reading one element's text from a response and writing the
/// CompleteMultipartUpload body. Responses are small and flat, so a full parser would be
/// weight without benefit.
enum S3XML {
    /// The text of the first `<name>` element (entities decoded), or nil.
    static func firstValue(of name: String, in xml: String) -> String? {
        guard let open = xml.firstRange(of: "<\(name)>"),
              let close = xml[open.upperBound...].firstRange(of: "</\(name)>") else { return nil }
        return unescape(String(xml[open.upperBound..<close.lowerBound]))
    }

    /// Escapes text content (quotes stay: ETags keep theirs, as S3 documents them).
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
            .replacing("&quot;", with: "\"").replacing("&apos;", with: "'").replacing("&amp;", with: "&")
    }

    /// The body of CompleteMultipartUpload: every part, in ascending part number.
    static func completeMultipartUpload(_ state: S3MultipartState) -> String {
        var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for number in state.completedParts.keys.sorted() {
            xml += "<Part>"
            if let checksum = state.partChecksums[number] {
                xml += "<ChecksumSHA256>\(escape(checksum))</ChecksumSHA256>"
            }
            xml += "<ETag>\(escape(state.completedParts[number]!))</ETag><PartNumber>\(number)</PartNumber></Part>"
        }
        return xml + "</CompleteMultipartUpload>"
    }
}
