/// A last line of defence: scrubs credentials from any text about to be logged. The code
/// never puts options or full URLs into messages, but a server's error body or a libcurl
/// message might echo them back.
public enum SecretRedactor {
    /// Query parameters and header-like fields whose values are secrets, and every
    /// provider's secret start options.
    static let secretKeys = ["sig", "x-amz-signature", "x-amz-security-token", "x-amz-credential",
                             "signature", "token", "access_token", "password", "secret"]
        + StorageProviders.secretOptionKeys

    /// What precedes a secret value, lower-cased, and whether the value ends at a space.
    /// A bearer token ends at a space, an Authorization header's value at the line's end.
    private static let markers: [(needle: [UInt8], stopAtSpace: Bool)] =
        secretKeys.flatMap { key in [(key + "=", true), ("\"" + key + "\":\"", true)] }.map { (Array($0.0.utf8), $0.1) }
        + [("authorization: ", false), ("bearer ", true), ("x-amz-security-token: ", true)].map { (Array($0.0.utf8), $0.1) }

    public static func redact(_ text: String) -> String {
        var copy = text
        guard let redacted = copy.withUTF8(redacted) else { return text }
        return String(decoding: redacted, as: UTF8.self)
    }

    /// One pass over the text: after each marker (case-insensitive, at the start of a
    /// word or after a quote) the value up to its end becomes `***`. Nil when there was
    /// none, which is nearly always: every line logged comes here.
    private static func redacted(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var out: [UInt8]?
        var copied = 0
        var index = 0
        while index < bytes.count {
            guard isFirstByte[Int(lowered(bytes[index]))],
                  let marker = marker(at: index, in: bytes) else {
                index += 1
                continue
            }
            var end = index + marker.needle.count
            while end < bytes.count, !isTerminator(bytes[end], stopAtSpace: marker.stopAtSpace) { end += 1 }
            if out == nil { out = [] }
            out! += bytes[copied..<index + marker.needle.count]
            if end > index + marker.needle.count { out! += "***".utf8 }
            copied = end
            index = end
        }
        guard var result = out else { return nil }
        result += bytes[copied...]
        return result
    }

    /// The first bytes of the markers, lower-case: most bytes of a line are none of them.
    private static let isFirstByte: [Bool] = (0..<256).map { byte in markers.contains { Int($0.needle[0]) == byte } }

    private static func marker(at index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> (needle: [UInt8], stopAtSpace: Bool)? {
        markers.first { marker in
            let needle = marker.needle
            guard index + needle.count <= bytes.count,
                  index == 0 || !isIdentifierByte(bytes[index - 1]) || needle[0] == UInt8(ascii: "\"") else { return false }
            for offset in 0..<needle.count where lowered(bytes[index + offset]) != needle[offset] { return false }
            return true
        }
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
