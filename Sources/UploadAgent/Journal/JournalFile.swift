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
/// One owner (the feature actor) appends; records wait as values (`PendingRecords`) and are
/// encoded and written on the log's queue. Compaction replaces the file by a snapshot once
/// it has grown to several times the size of what it describes, which bounds it.
final class JournalFile<Entry: JournalRecord>: @unchecked Sendable {
    static var minimumCompactionBytes: Int64 { 1 << 20 }

    let log: AppendLog
    private let pending: PendingRecords<Entry>
    private let mode: mode_t

    init(path: String, mode: mode_t, queues: LogWriterQueues = DispatchLogWriterQueue.make,
         onError: @escaping @Sendable (String) -> Void) {
        let pending = PendingRecords<Entry>()
        self.pending = pending
        self.mode = mode
        log = AppendLog(path: path, mode: mode, queues: queues, onError: onError) {
            let taken = pending.take()
            return (taken.snapshot.map(Self.encode), Self.encode(taken.entries))
        }
    }

    private static func encode(_ entries: [Entry]) -> [[UInt8]] {
        entries.compactMap { try? CompactJSONEncoder.encode($0) }
    }

    var path: String { log.path }

    /// What a read found: the entries of the sound records, in order, and the bytes of
    /// the damaged ones (to learn which uploads they were about).
    struct Found {
        var entries: [Entry] = []
        var damagedLines: [ArraySlice<UInt8>] = []
    }

    /// Reads every sound record, whatever happened to the lines before it: a damaged
    /// header costs nothing but itself. `problems` receives one line per thing a person
    /// should know (what was wrong, where the file went).
    func read(expectedVersion: Int, problems: (String) -> Void) -> Found {
        let bytes: [UInt8]
        switch AppendLog.readBytes(path: path) {
        case .success(let read): bytes = read
        case .failure(let error):
            problems("\(error.message); \(moveAside())")
            return Found()
        }
        let contents = AppendLog.parse(bytes)
        guard !contents.records.isEmpty || contents.damagedRecords > 0 || contents.tornTail else { return Found() }
        let (entries, undecodable) = Self.decode(contents)
        if let version = entries.first?.headerVersion, version != expectedVersion {
            // A sound header of another format: its records mean something else.
            problems("\(path) is a journal of version \(version), not the version \(expectedVersion) this agent reads; \(copyAside(bytes))")
            return Found()
        }
        let damaged = contents.damagedRecords + undecodable
        let repaired = contents.repairedRecords > 0 ? " (\(contents.repairedRecords) more had a flipped bit, put back)" : ""
        if damaged > 0 {
            let header = entries.first?.headerVersion == nil ? " (its header among them)" : ""
            problems("\(path) has \(damaged) damaged record(s)\(header)\(repaired); used the \(entries.count) sound one(s), \(copyAside(bytes))")
        } else if contents.repairedRecords > 0 {
            problems("\(path) had \(contents.repairedRecords) record(s) with a flipped bit (failing storage?); each was put back, nothing was lost")
        } else if contents.tornTail {
            problems("\(path) ends in a record cut short (a write interrupted by a crash or power cut); it was ignored")
        }
        log.adopt(existingSize: contents.size)
        return Found(entries: entries, damagedLines: contents.damagedLines)
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

    /// Moved-aside copies kept for analysis; older ones are removed.
    static var keptDamagedCopies: Int { 3 }

    /// Keeps a copy of the damaged file (the bytes just read) as `<path>.damaged-<n>` (see
    /// `moveAside`) and leaves
    /// the file itself in place: the snapshot of what could be read replaces it whole
    /// (written, synced, renamed over it), so a crash before that snapshot is on disk finds
    /// the same records again instead of an empty folder.
    private func copyAside(_ bytes: [UInt8]) -> String {
        let copies = DamagedCopies(of: path)
        let aside = copies.nextName(now: systemWallClock())
        guard Self.write(bytes, to: aside, mode: mode) else {
            return "could not keep a copy of it (\(String(cString: strerror(errno)))): starting from what could be read"
        }
        let removed = copies.prune(keeping: Self.keptDamagedCopies)
        let pruned = removed.isEmpty ? "" : "; removed the older copies \(removed.joined(separator: ", "))"
        return "kept a copy as \(aside) and started from what could be read\(pruned)"
    }

    private static func write(_ bytes: [UInt8], to path: String, mode: mode_t) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        fchmod(fd, mode)
        return AppendLog.writeAll(fd, bytes) && fsync(fd) == 0
    }

    /// Renames the file to `<path>.damaged-<n>` (n: the time, or one past the newest copy
    /// when the clock is behind it) and removes all but the newest few copies; returns
    /// what happened, for the log line.
    private func moveAside() -> String {
        let copies = DamagedCopies(of: path)
        let aside = copies.nextName(now: systemWallClock())
        guard rename(path, aside) == 0 else {
            let reason = String(cString: strerror(errno))
            if unlink(path) == 0 { return "could not move it aside (\(reason)), removed it" }
            return "could neither move nor remove it (\(reason)): starting without it"
        }
        let removed = copies.prune(keeping: Self.keptDamagedCopies)
        let pruned = removed.isEmpty ? "" : "; removed the older copies \(removed.joined(separator: ", "))"
        return "moved it to \(aside) and started from what could be read\(pruned)"
    }

    func append(_ entry: Entry) {
        pending.add(entry)
        log.scheduleWrite()
    }

    func append(contentsOf entries: some Sequence<Entry>) {
        for entry in entries { pending.add(entry) }
        log.scheduleWrite()
    }

    /// Whether the log has grown enough that a snapshot would be much smaller (and none
    /// is waiting to be written).
    var needsCompaction: Bool {
        log.size > max(Self.minimumCompactionBytes, log.snapshotSize * 4) && !pending.hasSnapshot
    }

    /// Replaces the file by `entries` (the whole live state); none removes it.
    func replace(with entries: [Entry]) {
        pending.replaceAll(with: entries)
        log.scheduleWrite()
    }

    func sync() { log.sync() }
}
