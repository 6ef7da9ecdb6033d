/// A record type of a journal file: the first record of a file is a header naming the
/// format version, so a reader can tell a file it understands from any other.
protocol JournalRecord: Codable, Sendable {
    /// The version this record names when it is a header; nil for every other record.
    var headerVersion: Int? { get }
    /// What the record describes in full ("f:<file id>"): of pending records with the same
    /// key only the newest is written. Nil: always written.
    var coalescingKey: String? { get }
    /// Whether this record may make pending records of other keys moot (a removal).
    var makesRecordsMoot: Bool { get }
    /// Whether the pending record with `key` says nothing this record leaves standing.
    func makesMoot(_ key: String) -> Bool
}

extension JournalRecord {
    var makesRecordsMoot: Bool { false }
    func makesMoot(_ key: String) -> Bool { false }
}
