/// What `upload.archive` packs the selected files into.
public enum ArchiveFormat: String, Codable, Sendable, CaseIterable {
    case tarGz = "tar.gz"
    case zip

    /// The file name's ending, with its dot.
    var fileExtension: String { "." + rawValue }
}
