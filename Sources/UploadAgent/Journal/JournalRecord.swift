/// A record type of a journal file: the first record of a file is a header naming the
/// format version, so a reader can tell a file it understands from any other.
protocol JournalRecord: Codable, Sendable {
    /// The version this record names when it is a header; nil for every other record.
    var headerVersion: Int? { get }
}
