/// The bytes libFuzzer hands over, with the views the targets need: the whole input as
/// text (invalid UTF-8 repaired, as the agent's own readers do) and a split into a head
/// (up to the first separator) and the rest, for parsers that take two things.
struct FuzzInput {
    let bytes: [UInt8]

    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The bytes before the first `separator` and those after it; all bytes and nothing
    /// when there is none.
    func split(at separator: UInt8) -> (head: [UInt8], rest: [UInt8]) {
        guard let index = bytes.firstIndex(of: separator) else { return (bytes, []) }
        return (Array(bytes[..<index]), Array(bytes[(index + 1)...]))
    }
}

extension Array where Element == UInt8 {
    var text: String { String(decoding: self, as: UTF8.self) }
}
