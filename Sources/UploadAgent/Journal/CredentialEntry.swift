/// One record of the credential store: the start options of a file, or their removal.
enum CredentialEntry: JournalRecord {
    case header(version: Int)
    case set(file: String, options: [String: String])
    case remove(file: String)

    var headerVersion: Int? {
        if case .header(let version) = self { return version }
        return nil
    }

    /// A removal replaces the pending options of its file: they are never written.
    var coalescingKey: String? {
        switch self {
        case .header: return nil
        case .set(let file, _), .remove(let file): return file
        }
    }
}
