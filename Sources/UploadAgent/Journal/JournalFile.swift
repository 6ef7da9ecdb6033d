#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A typed journal over an `AppendLog`: records are Codable values, one JSON object a
/// line. Reading it back never stops the agent: a file that cannot be read, has a header
/// of another version, or damaged records before its end is moved aside (kept for
/// analysis, named in an error line), and whatever records were sound are used.
/// One owner (the feature actor) appends; compaction replaces the file by a snapshot once
/// it has grown to several times the size of what it describes, which bounds it.
final class JournalFile<Entry: JournalRecord>: @unchecked Sendable {
    static var minimumCompactionBytes: Int64 { 1 << 20 }

    let log: AppendLog
    private let encoder = JSONEncoder()
    /// Bytes of the last snapshot: the log is compacted when it grows past a multiple of it.
    private var snapshotBytes: Int64 = 0

    init(path: String, mode: mode_t, onError: @escaping @Sendable (String) -> Void) {
        log = AppendLog(path: path, mode: mode, onError: onError)
    }

    var path: String { log.path }

    /// Reads every sound record. `problems` receives one line per thing a person should
    /// know (what was wrong, where the file went).
    func read(expectedVersion: Int, problems: (String) -> Void) -> [Entry] {
        let contents: AppendLog.Contents
        switch AppendLog.read(path: path) {
        case .success(let read): contents = read
        case .failure(let error):
            problems("\(error.message); \(moveAside())")
            return []
        }
        guard !contents.records.isEmpty || contents.damagedRecords > 0 || contents.tornTail else { return [] }
        let (entries, undecodable) = Self.decode(contents)
        guard let first = entries.first, first.headerVersion == expectedVersion else {
            let found = entries.first?.headerVersion.map { "version \($0)" } ?? "no journal header"
            problems("\(path) is not a journal this agent can read (\(found), expected version \(expectedVersion)); \(moveAside())")
            return []
        }
        let damaged = contents.damagedRecords + undecodable
        if damaged > 0 {
            problems("\(path) has \(damaged) damaged record(s); used the \(entries.count) sound one(s), \(moveAside())")
        } else if contents.tornTail {
            problems("\(path) ends in a record cut short (a write interrupted by a crash or power cut); it was ignored")
        }
        snapshotBytes = contents.size
        return entries
    }

    /// The entries of the sound records, and how many sound records did not decode.
    static func decode(_ contents: AppendLog.Contents) -> (entries: [Entry], undecodable: Int) {
        let decoder = JSONDecoder()
        var entries: [Entry] = []
        var undecodable = 0
        for payload in contents.records {
            if let entry = try? decoder.decode(Entry.self, from: Data(payload)) {
                entries.append(entry)
            } else {
                undecodable += 1
            }
        }
        return (entries, undecodable)
    }

    /// Renames the file to `<path>.damaged-<time>`; returns what happened, for the log line.
    private func moveAside() -> String {
        let aside = "\(path).damaged-\(Int(systemWallClock()))"
        if rename(path, aside) == 0 { return "moved it to \(aside) and started from what could be read" }
        let reason = String(cString: strerror(errno))
        if unlink(path) == 0 { return "could not move it aside (\(reason)), removed it" }
        return "could neither move nor remove it (\(reason)): starting without it"
    }

    func append(_ entry: Entry) {
        guard let bytes = try? encoder.encode(entry) else { return }
        log.append(Array(bytes))
    }

    func append(contentsOf entries: some Sequence<Entry>) {
        for entry in entries { append(entry) }
    }

    /// Whether the log has grown enough that a snapshot would be much smaller.
    var needsCompaction: Bool {
        log.size > max(Self.minimumCompactionBytes, snapshotBytes * 4)
    }

    /// Replaces the file by `entries` (the whole live state); none removes it.
    func replace(with entries: [Entry]) {
        let payloads = entries.compactMap { try? encoder.encode($0) }.map { Array($0) }
        log.replace(with: payloads)
        snapshotBytes = log.size
    }

    func sync() { log.sync() }
}
