/// The rules every outgoing header obeys (RFC 9110 §5): a name is a token, a value holds no
/// CR, LF or NUL. Headers are data, never syntax: whatever a backend option or a file name
/// holds, it cannot end a header line early, add another header or split the request.
public enum HTTPHeaderField {
    /// A field name: one or more token characters (`!#$%&'*+-.^_`|~`, digits, letters).
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(isTokenByte)
    }

    /// A field value: no CR, LF or NUL and no other control but TAB; bytes ≥ 0x80 are
    /// `obs-text` and pass through as the UTF-8 of the value.
    public static func isValidValue(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7f) }
    }

    /// Why `name: value` cannot be sent, or nil when it can. The value itself is never part
    /// of the reason: it may be a secret.
    public static func problem(name: String, value: String) -> String? {
        if !isValidName(name) {
            return "header name '\(Self.printable(name))' is not a token (letters, digits and !#$%&'*+-.^_`|~ only)"
        }
        if !isValidValue(value) {
            return "the value of header '\(name)' holds a line break, NUL or other control character"
        }
        return nil
    }

    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// A name as a message may show it: controls made visible, at most 64 characters.
    static func printable(_ text: String) -> String {
        let visible = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "?" : Character($0) })
        return BoundedText.cut(visible, to: 64)
    }
}
