/// The file name of an upload's archive, which the backend sees as `file.path` and
/// usually keeps as the object's name: device, trigger and time, so an operator knows
/// which gateway and which request it came from. Only letters, digits, `.`, `-` and `_`.
enum ArchiveName {
    static func make(device: String, correlationId: String, time: Double, format: ArchiveFormat) -> String {
        // 2026-12-04T06:15:00Z -> 20261204T061500Z
        let stamp = RFC3339.format(time.rounded(.down)).filter { $0 != "-" && $0 != ":" }
        return "\(safe(device))_\(safe(correlationId))_\(stamp)\(format.fileExtension)"
    }

    /// A file name for `text` that no other text gets: its safe form (cut) and a hash of
    /// all of it, for the compressed copy of a file id (`<upload>#<n>`).
    static func unique(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let hex = String(hash, radix: 16)
        return safe(String(decoding: text.utf8.prefix(60), as: UTF8.self)) + "-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// `text` with every byte outside `[A-Za-z0-9._-]` as `_`, at most 80 bytes.
    static func safe(_ text: String) -> String {
        let kept = text.utf8.prefix(80).map { byte -> Character in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"):
                Character(Unicode.Scalar(byte))
            default:
                "_"
            }
        }
        let name = String(kept)
        return name.isEmpty || name.allSatisfy({ $0 == "." }) ? "_" : name
    }
}
