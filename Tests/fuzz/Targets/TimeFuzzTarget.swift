@testable import UploadAgent

/// A time as a backend or a signer writes it: RFC 3339 (activate, config), the looser ISO
/// 8601 of SAS tokens, SigV4's compact form, epoch seconds or milliseconds (activate), and a
/// pre-signed URL's expiry fields. Every time read is finite and within the years the
/// formats can write (give or take a 99-hour offset); what RFC 3339 reads, it writes back
/// to the same second.
enum TimeFuzzTarget: FuzzTarget {
    static let name = "time"
    static let earliest: Double = -62_167_219_200  // 0000-01-01T00:00:00Z

    static func run(_ input: FuzzInput) {
        let text = input.text
        if let time = RFC3339.parse(text) {
            checkRange(time, text)
            if time >= earliest && time <= RFC3339.latest {
                let written = RFC3339.format(time)
                precondition(RFC3339.parse(written) == time.rounded(.down),
                             "'\(text)' reads as \(time), written as '\(written)', which reads differently")
            }
        }
        if let time = RFC3339.parseISO8601(text) { checkRange(time, text) }
        if let time = PresignedURLExpiry.parseAmzDate(text) { checkRange(time, text) }

        if let time = try? CommandParser.time(.string(text), "from") {
            precondition(time.isFinite, "'\(text)' read as activate time \(time)")
        }
        if let number = Double(text), let time = try? CommandParser.time(.number(number), "from") {
            precondition(time.isFinite && time >= 0 && time <= RFC3339.latest,
                         "\(number) read as activate time \(time)")
        }

        let expiry = PresignedURLExpiry.expiry(of: text)
        _ = try? PresignedURLExpiry.check(expiry: expiry, now: 1_700_000_000)
    }

    static func checkRange(_ time: Double, _ text: String) {
        let slack = 100.0 * 3600
        precondition(time.isFinite && time >= earliest - slack && time <= RFC3339.latest + slack,
                     "'\(text)' read as \(time)")
    }
}
