/// A last line of defence: scrubs credentials from any text about to be logged. The code
/// never puts options or full URLs into messages, but a server's error body or a libcurl
/// message might echo them back.
public enum SecretRedactor {
    /// Query parameters and header-like fields whose values are secrets.
    static let secretKeys = ["sig", "x-amz-signature", "x-amz-security-token", "x-amz-credential",
                             "signature", "token", "access_token", "password", "secret",
                             "aws.secret.access.key", "aws.session.token", "azure.shared.access.signature"]

    public static func redact(_ text: String) -> String {
        guard text.contains("=") || text.contains(":") else { return text }
        var result = text
        for key in secretKeys {
            result = redactValues(after: key + "=", in: result)
            result = redactValues(after: "\"" + key + "\":\"", in: result)
        }
        for header in ["Authorization: ", "authorization: ", "Bearer ", "x-amz-security-token: "] {
            result = redactValues(after: header, in: result, stopAtSpace: header != "Authorization: " && header != "authorization: ")
        }
        return result
    }

    /// Replaces the value after each case-insensitive occurrence of `marker` with `***`.
    static func redactValues(after marker: String, in text: String, stopAtSpace: Bool = true) -> String {
        let original = Array(text.utf8)
        // ASCII-only lower-casing keeps byte offsets aligned whatever else the text holds.
        let lowerText = original.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        let needle = Array(marker.utf8).map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        var out: [UInt8] = []
        var index = 0
        while index < original.count {
            if index + needle.count <= original.count, Array(lowerText[index..<index + needle.count]) == needle,
               index == 0 || !isIdentifierByte(original[index - 1]) || needle.first == UInt8(ascii: "\"") {
                out += original[index..<index + needle.count]
                index += needle.count
                var end = index
                while end < original.count, !isTerminator(original[end], stopAtSpace: stopAtSpace) { end += 1 }
                if end > index { out += Array("***".utf8) }
                index = end
            } else {
                out.append(original[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isIdentifierByte(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 46 || c == 45
    }

    private static func isTerminator(_ c: UInt8, stopAtSpace: Bool) -> Bool {
        c == UInt8(ascii: "&") || c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") || c == 10 || c == 13
            || (stopAtSpace && (c == 32 || c == UInt8(ascii: ",") || c == UInt8(ascii: ")")))
    }
}
