/// `Content-Disposition: attachment` for a file name of any content (RFC 6266): a plain
/// name goes as `filename="<name>"`, exactly what endpoints made for Kanto expect; a name
/// with quotes, backslashes, controls or non-ASCII gets an ASCII fallback (quotes and
/// backslashes escaped, controls dropped, other characters as `_`) plus the real name as
/// `filename*=UTF-8''<percent-encoded>`.
public enum ContentDisposition {
    public static func attachment(filename: String) -> String {
        let plain = filename.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        if plain { return "attachment; filename=\"\(filename)\"" }
        var fallback = ""
        for scalar in filename.unicodeScalars {
            switch scalar.value {
            case 0..<0x20, 0x7f: continue
            case 0x22, 0x5c: fallback += "\\" + String(scalar)
            case 0x20..<0x7f: fallback.unicodeScalars.append(scalar)
            default: fallback += "_"
            }
        }
        return "attachment; filename=\"\(fallback)\"; filename*=UTF-8''\(PercentEncoding.encode(filename))"
    }
}
