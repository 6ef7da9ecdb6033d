/// How uploaded objects are labelled (config `contentType`). `binary` sends each provider's
/// fixed type, as today and as Kanto does; `auto` names the type from the file's extension,
/// so a log opened from a bucket console is shown instead of downloaded.
public enum ContentTypeMode: String, Sendable, CaseIterable {
    case binary
    case auto

    /// The `Content-Type` of a file named `baseName`; `binary` is the provider's own type,
    /// also used in `auto` mode for an extension the table does not know.
    public func type(for baseName: String, binary: String) -> String {
        guard self == .auto else { return binary }
        return Self.typeByExtension(of: baseName) ?? binary
    }

    /// The type that `auto` gives `name`, or nil. Rotated logs (`app.log.1`) are text too.
    static func typeByExtension(of name: String) -> String? {
        var parts = name.lowercased().split(separator: ".", omittingEmptySubsequences: false).dropFirst()
        if parts.count >= 2, let last = parts.last, last.allSatisfy(\.isNumber), parts[parts.endIndex - 2] == "log" {
            parts.removeLast()
        }
        guard let ext = parts.last else { return nil }
        return byExtension[String(ext)]
    }

    static let text = "text/plain; charset=utf-8"

    /// The extensions gateways produce most: logs, traces, captures, archives, media.
    static let byExtension: [String: String] = [
        "log": text, "txt": text, "out": text, "err": text, "trace": text,
        "json": "application/json", "ndjson": "application/x-ndjson", "jsonl": "application/x-ndjson",
        "csv": "text/csv; charset=utf-8", "xml": "application/xml", "yaml": "application/yaml",
        "yml": "application/yaml", "html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8",
        "gz": "application/gzip", "tgz": "application/gzip", "zip": "application/zip",
        "tar": "application/x-tar", "bz2": "application/x-bzip2", "xz": "application/x-xz",
        "zst": "application/zstd", "7z": "application/x-7z-compressed",
        "pcap": "application/vnd.tcpdump.pcap", "pdf": "application/pdf",
        "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
        "webp": "image/webp", "svg": "image/svg+xml", "mp4": "video/mp4", "mkv": "video/x-matroska",
        "avi": "video/x-msvideo", "wav": "audio/wav", "mp3": "audio/mpeg",
    ]
}
