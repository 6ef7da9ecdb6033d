#if canImport(Glibc)
import Glibc
#endif

/// The durable form of the feature's state (`<stateDir>/journal.log`): the activation
/// window, every upload and its files, what each storage server confirmed. Written when
/// something a resume needs changes, never per progress tick. It holds no secret: the
/// start options live in the `CredentialStore` beside it.
final class UploadJournal: @unchecked Sendable {
    static let version = 1
    static let fileName = "journal.log"

    private let file: JournalFile<JournalEntry>

    init(stateDir: String, onError: @escaping @Sendable (String) -> Void) {
        file = JournalFile(path: "\(stateDir)/\(Self.fileName)", mode: 0o640, onError: onError)
    }

    var path: String { file.path }

    /// Replays the journal; `problems` names what was damaged and where it went.
    func load(problems: (String) -> Void) -> JournalState {
        let entries = file.read(expectedVersion: Self.version, problems: problems)
        var state = JournalState()
        for entry in entries { state.apply(entry) }
        return state
    }

    func record(_ entry: JournalEntry) { file.append(entry) }

    func record(contentsOf entries: some Sequence<JournalEntry>) { file.append(contentsOf: entries) }

    var needsCompaction: Bool { file.needsCompaction }

    /// Replaces the journal by a snapshot of the live state (`entries` without header).
    func compact(_ entries: [JournalEntry]) {
        file.replace(with: [.header(version: Self.version)] + entries)
    }

    func sync() { file.sync() }

    /// Runs `work` on the journal's writer queue once everything recorded so far is on disk.
    func whenDurable(_ work: @escaping @Sendable () -> Void) { file.log.whenWritten(work) }
}
