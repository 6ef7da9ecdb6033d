/// The looser ISO 8601 forms that SAS tokens and other signers write ("2024-05-01T12:00Z",
/// a bare date, an offset without a colon): read the same way, without a date library.
extension RFC3339 {
    /// Seconds since 1970-01-01T00:00:00Z, or nil when `text` is not such a time.
    public static func parseISO8601(_ text: String) -> Double? {
        var chars = Array(text.utf8)
        while chars.first == UInt8(ascii: " ") { chars.removeFirst() }
        while chars.last == UInt8(ascii: " ") { chars.removeLast() }
        var index = 0

        func number(_ digits: Int) -> Int? {
            guard index + digits <= chars.count else { return nil }
            var value = 0
            for offset in 0..<digits {
                let byte = chars[index + offset]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += digits
            return value
        }
        func expect(_ character: Character) -> Bool {
            guard index < chars.count, chars[index] == character.asciiValue else { return false }
            index += 1
            return true
        }

        guard let year = number(4), expect("-"), let month = number(2), expect("-"),
              let day = number(2), (1...12).contains(month), (1...31).contains(day) else { return nil }
        var hour = 0, minute = 0, second = 0
        var fraction = 0.0
        var offsetSeconds = 0
        if index < chars.count {
            guard expect("T") || expect("t") || expect(" ") else { return nil }
            guard let h = number(2), expect(":"), let m = number(2) else { return nil }
            hour = h
            minute = m
            if expect(":") {
                guard let s = number(2) else { return nil }
                second = s
                if expect(".") || expect(",") {
                    var scale = 0.1
                    var digits = 0
                    while index < chars.count, chars[index] >= UInt8(ascii: "0"), chars[index] <= UInt8(ascii: "9") {
                        fraction += Double(chars[index] - UInt8(ascii: "0")) * scale
                        scale /= 10
                        index += 1
                        digits += 1
                    }
                    guard digits > 0 else { return nil }
                }
            }
            guard hour < 24, minute < 60, second < 61 else { return nil }
            if expect("Z") || expect("z") {
                // UTC
            } else if index < chars.count {
                let sign: Int
                if expect("+") { sign = 1 } else if expect("-") { sign = -1 } else { return nil }
                guard let oh = number(2) else { return nil }
                _ = expect(":")
                guard let om = number(2) else { return nil }
                offsetSeconds = sign * (oh * 3600 + om * 60)
            }
            guard index == chars.count else { return nil }
        }
        let days = Int(daysSinceEpoch(year: Int64(year), month: Int64(month), day: Int64(day)))
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Double(seconds) + fraction
    }
}
