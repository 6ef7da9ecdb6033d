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
            let key = percentDecode(String(parts[0]))
            if result[key] == nil { result[key] = parts.count > 1 ? percentDecode(String(parts[1])) : "" }
        }
        return result
    }

    public static func percentDecode(_ text: String) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 65...70: return c - 55
            case 97...102: return c - 87
            default: return nil
            }
        }
        while let c = iterator.next() {
            if c == UInt8(ascii: "%"), let h = iterator.next(), let l = iterator.next() {
                if let high = hex(h), let low = hex(l) { bytes.append(high << 4 | low) } else { bytes += [c, h, l] }
            } else if c == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(c)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters (and `/` when asked).
    public static func percentEncode(_ text: String, keepSlash: Bool = false) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for c in text.utf8 {
            let unreserved = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57)
                || c == 45 || c == 46 || c == 95 || c == 126 || (keepSlash && c == 47)
            if unreserved { out.append(c) } else { out += [37, hex[Int(c >> 4)], hex[Int(c & 15)]] }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
