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

    init(stateDir: String, queues: LogWriterQueues = DispatchLogWriterQueue.make,
         onError: @escaping @Sendable (String) -> Void) {
        file = JournalFile(path: "\(stateDir)/\(Self.fileName)", mode: 0o640, queues: queues, onError: onError)
    }

    var path: String { file.path }

    /// Replays the journal; `problems` names what was damaged, where it went, and which
    /// uploads that cost (they are in the state, FAILED, so the backend hears of them).
    func load(now: Double, problems: (String) -> Void) -> JournalState {
        let found = file.read(expectedVersion: Self.version, problems: problems)
        let (state, affected) = Self.replay(found.entries, damagedLines: found.damagedLines, now: now)
        if !affected.isEmpty {
            let named = affected.prefix(10).joined(separator: ", ") + (affected.count > 10 ? " and \(affected.count - 10) more" : "")
            problems("the damaged records were about upload(s) \(named): what could not be read ends FAILED and is reported")
        }
        return state
    }

    /// The state the records describe, with every upload named in a damaged line
    /// accounted for; and the uploads the damage cost something. Pure: the fuzzer runs it.
    static func replay(_ entries: [JournalEntry], damagedLines: [ArraySlice<UInt8>], now: Double) -> (JournalState, [String]) {
        var state = JournalState()
        for entry in entries { state.apply(entry) }
        var damagedIds: Set<String> = []
        for line in damagedLines { damagedIds.formUnion(DamagedRecordSalvage.uploadIds(in: line)) }
        let affected = state.accountForDamage(damagedIds: damagedIds, now: now)
        return (state, affected)
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
