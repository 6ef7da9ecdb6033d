/// CRC-32 (IEEE 802.3, as zlib computes it): the checksum of each journal record, so a
/// torn write or a flipped byte is noticed instead of being read as state.
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    /// The byte and bit whose flip makes `bytes` check out against `expected`, if a single
    /// flipped bit explains the difference. CRC-32 has a Hamming distance of at least 4
    /// for records this size, so the answer is unique: the error is put back, not guessed.
    /// Linear: the difference each bit position would make is the CRC register of that
    /// bit pushed through the zero bytes after it, tried from the last byte backwards.
    static func singleBitError(in bytes: ArraySlice<UInt8>, expected: UInt32) -> (index: Int, bit: Int)? {
        let syndrome = checksum(bytes) ^ expected
        guard syndrome != 0 else { return nil }
        return table.withUnsafeBufferPointer { table in
            var registers = (0..<8).map { table[1 << $0] }
            var index = bytes.endIndex
            while index > bytes.startIndex {
                index -= 1
                for bit in 0..<8 {
                    if registers[bit] == syndrome { return (index, bit) }
                    registers[bit] = table[Int(registers[bit] & 0xFF)] ^ (registers[bit] >> 8)
                }
            }
            return nil
        }
    }

    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        table.withUnsafeBufferPointer { table in
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
            return crc ^ 0xFFFF_FFFF
        }
    }

    private static let digits = Array("0123456789abcdef".utf8)

    /// The checksum as the eight lower-case hex digits a record line starts with.
    static func hex(_ value: UInt32) -> [UInt8] {
        stride(from: 28, through: 0, by: -4).map { digits[Int((value >> UInt32($0)) & 0xF)] }
    }
}
