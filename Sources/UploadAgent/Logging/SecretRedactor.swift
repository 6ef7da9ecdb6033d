/// A last line of defence: scrubs credentials from any text about to be logged. The code
/// never puts options or full URLs into messages, but a server's error body or a libcurl
/// message might echo them back.
public enum SecretRedactor {
    /// Query parameters and header-like fields whose values are secrets.
    static let secretKeys = ["sig", "x-amz-signature", "x-amz-security-token", "x-amz-credential",
                             "signature", "token", "access_token", "password", "secret",
                             "aws.secret.access.key", "aws.session.token", "azure.shared.access.signature"]

    /// What precedes a secret value, lower-cased, and whether the value ends at a space.
    /// A bearer token ends at a space, an Authorization header's value at the line's end.
    private static let markers: [(needle: [UInt8], stopAtSpace: Bool)] =
        secretKeys.flatMap { key in [(key + "=", true), ("\"" + key + "\":\"", true)] }.map { (Array($0.0.utf8), $0.1) }
        + [("authorization: ", false), ("bearer ", true), ("x-amz-security-token: ", true)].map { (Array($0.0.utf8), $0.1) }

    public static func redact(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: ":") || $0 == 32 }) else { return text }
        var bytes = Array(text.utf8)
        var changed = false
        for marker in markers where redactValues(after: marker.needle, in: &bytes, stopAtSpace: marker.stopAtSpace) {
            changed = true
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : text
    }

    /// Replaces the value after each case-insensitive occurrence of `needle` (lower-case)
    /// with `***`; returns whether there was one. Every line logged passes here, so the
    /// common case (no marker) only reads.
    static func redactValues(after needle: [UInt8], in bytes: inout [UInt8], stopAtSpace: Bool) -> Bool {
        guard var index = firstMatch(of: needle, in: bytes, from: 0) else { return false }
        var out: [UInt8] = Array(bytes[..<index])
        var copied = index
        while true {
            index += needle.count
            var end = index
            while end < bytes.count, !isTerminator(bytes[end], stopAtSpace: stopAtSpace) { end += 1 }
            out += bytes[copied..<index]
            if end > index { out += "***".utf8 }
            copied = end
            guard let next = firstMatch(of: needle, in: bytes, from: end) else { break }
            out += bytes[copied..<next]
            copied = next
            index = next
        }
        out += bytes[copied...]
        bytes = out
        return true
    }

    /// Where `needle` (lower-case) next occurs in `bytes`, ignoring ASCII case, at the
    /// start of a word (or anywhere, for a quoted JSON key).
    private static func firstMatch(of needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard needle.count <= bytes.count else { return nil }
        var index = start
        while index + needle.count <= bytes.count {
            var length = 0
            while length < needle.count, lowered(bytes[index + length]) == needle[length] { length += 1 }
            if length == needle.count,
               index == 0 || !isIdentifierByte(bytes[index - 1]) || needle.first == UInt8(ascii: "\"") {
                return index
            }
            index += 1
        }
        return nil
    }

    private static func lowered(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte + 32 : byte }

    private static func isIdentifierByte(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 46 || c == 45
    }

    private static func isTerminator(_ c: UInt8, stopAtSpace: Bool) -> Bool {
        c == UInt8(ascii: "&") || c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") || c == 10 || c == 13
            || (stopAtSpace && (c == 32 || c == UInt8(ascii: ",") || c == UInt8(ascii: ")")))
    }
}
