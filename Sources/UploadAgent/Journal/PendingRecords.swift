import Synchronization

/// Journal records handed over but not yet written, kept as values: they are encoded on
/// the journal's writer queue, off the feature actor, and a record that is superseded
/// before it is written costs nothing. A record with the same `coalescingKey` as a
/// pending one replaces it in place; one that `makesMoot` other keys drops them. Records
/// say the whole state of what they name, so only the newest of each needs writing.
/// A stream of small files thus writes one record per file instead of three, and the
/// start options of an upload that ends within a batch never reach the disk.
final class PendingRecords<Entry: JournalRecord>: Sendable {
    private struct State {
        var entries: [Entry?] = []
        var positions: [String: Int] = [:]
        /// A snapshot that replaces the whole file, written before `entries`.
        var snapshot: [Entry]?
    }
    private let state = Mutex(State())

    func add(_ entry: Entry) {
        state.withLock { state in
            if let key = entry.coalescingKey, let position = state.positions[key] {
                state.entries[position] = entry
                return
            }
            if entry.makesRecordsMoot {
                for (key, position) in state.positions where entry.makesMoot(key) {
                    state.entries[position] = nil
                    state.positions[key] = nil
                }
            }
            if let key = entry.coalescingKey { state.positions[key] = state.entries.count }
            state.entries.append(entry)
        }
    }

    /// The whole live state, replacing the file: whatever is pending is older, so dropped.
    func replaceAll(with snapshot: [Entry]) {
        state.withLock { state in
            state = State()
            state.snapshot = snapshot
        }
    }

    var hasSnapshot: Bool { state.withLock { $0.snapshot != nil } }

    /// Takes everything pending, in order.
    func take() -> (snapshot: [Entry]?, entries: [Entry]) {
        state.withLock { state in
            defer { state = State() }
            return (state.snapshot, state.entries.compactMap { $0 })
        }
    }
}
