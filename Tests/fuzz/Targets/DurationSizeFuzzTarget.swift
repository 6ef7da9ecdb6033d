@testable import UploadAgent

/// A config value read both as a Go duration (`period`, timeouts) and as a byte size or
/// rate (`maxBandwidth`). A duration is never NaN, and one the config accepts (finite,
/// at most ten years) is written back by `format` to something that reads as nearly the
/// same; a size is never negative.
enum DurationSizeFuzzTarget: FuzzTarget {
    static let name = "duration-size"

    static func run(_ input: FuzzInput) {
        let text = input.text
        if let seconds = GoDuration.parse(text) {
            precondition(!seconds.isNaN, "'\(text)' read as NaN seconds")
            if seconds.isFinite && abs(seconds) <= GoDuration.longest {
                let written = GoDuration.format(seconds)
                guard let again = GoDuration.parse(written) else {
                    preconditionFailure("'\(text)' is written as '\(written)', which does not read")
                }
                // format rounds to milliseconds below a second, to seconds above.
                precondition(abs(again - seconds) <= 0.5 + 1e-9 * abs(seconds),
                             "'\(text)' (\(seconds)s) is written as '\(written)' (\(again)s)")
            }
        }
        if let bytes = ByteRate.parse(text) {
            precondition(bytes >= 0, "'\(text)' read as \(bytes) bytes")
        }
    }
}
