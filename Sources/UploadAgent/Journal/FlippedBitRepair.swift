/// Puts back a single flipped bit in the lines of an `AppendLog` (`<crc32 hex> <payload>\n`),
/// wherever it landed: in a payload or its checksum, in the separator, or in a newline
/// (two records run together, or one record split in two). Storage that flips a bit
/// then costs nothing; damage the checksum cannot explain is left for the reader to report.
enum FlippedBitRepair {
    static let newline = UInt8(ascii: "\n")

    /// Whether `a` and `b` differ in exactly one bit.
    static func oneBitApart(_ a: UInt8, _ b: UInt8) -> Bool { (a ^ b).nonzeroBitCount == 1 }

    /// The payload of a line whose check fails because of one flipped bit.
    static func repair(_ line: ArraySlice<UInt8>) -> [UInt8]? {
        guard line.count > 9 else { return nil }
        let start = line.startIndex
        let stored = line[start..<start + 8]
        let separator = line[start + 8]
        let payload = line[(start + 9)...]
        let actual = CRC32.hex(CRC32.checksum(payload))
        if separator == UInt8(ascii: " ") {
            // A flipped bit in the checksum: the payload is sound.
            let differing = zip(stored, actual).filter { $0 != $1 }
            if differing.count == 1, oneBitApart(differing[0].0, differing[0].1) { return Array(payload) }
        } else if oneBitApart(separator, UInt8(ascii: " ")), stored.elementsEqual(actual) {
            return Array(payload)
        }
        guard separator == UInt8(ascii: " "), let expected = UInt32(String(decoding: stored, as: UTF8.self), radix: 16),
              let error = CRC32.singleBitError(in: payload, expected: expected) else { return nil }
        var repaired = Array(payload)
        repaired[error.index - payload.startIndex] ^= UInt8(1 << error.bit)
        return repaired
    }

    /// The payload of one record split in two lines by a bit that turned into a newline.
    static func rejoin(_ first: ArraySlice<UInt8>, _ second: ArraySlice<UInt8>) -> [UInt8]? {
        for bit in 0..<8 {
            let joined = Array(first) + [newline ^ UInt8(1 << bit)] + Array(second)
            if let payload = AppendLog.verifiedPayload(joined[...]) { return payload }
        }
        return nil
    }

    /// The payloads of two records run together by a newline that lost a bit.
    static func split(_ line: ArraySlice<UInt8>) -> ([UInt8], [UInt8])? {
        for index in line.indices where oneBitApart(line[index], newline) {
            if let first = AppendLog.verifiedPayload(line[..<index]),
               let second = AppendLog.verifiedPayload(line[(index + 1)...]) {
                return (first, second)
            }
        }
        return nil
    }
}
