/// Text from outside (a payload, a file pattern, a server's error body) is echoed into
/// answers, logs and the status file only this long, so a 10 MiB string costs 10 MiB once,
/// when it is parsed, and never again in a message.
public enum BoundedText {
    /// The default bound of anything echoed: enough to recognise it, too short to flood.
    public static let defaultLimit = 256
    /// What replaces the cut part: says that there was more, and how much.
    static func marker(droppedBytes: Int) -> String { "… [\(droppedBytes) more bytes]" }

    /// `text` if it has at most `limit` UTF-8 bytes; otherwise its first `limit` bytes (cut
    /// at a character boundary) and the marker.
    public static func cut(_ text: some StringProtocol, to limit: Int = defaultLimit) -> String {
        guard text.utf8.count > limit else { return String(text) }
        let utf8 = Substring(text).utf8
        var end = utf8.index(utf8.startIndex, offsetBy: limit)
        // Back off to a scalar boundary so the cut never splits a character's bytes.
        while end > utf8.startIndex, (utf8[end] & 0xC0) == 0x80 { end = utf8.index(before: end) }
        let kept = utf8.distance(from: utf8.startIndex, to: end)
        return String(Substring(utf8[..<end])) + marker(droppedBytes: utf8.count - kept)
    }
}
