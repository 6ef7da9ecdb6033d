import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A file of checksummed records, one a line (`<crc32 hex> <payload>\n`), that only grows
/// until it is replaced whole by a compacted snapshot. Writers never block: they hand
/// records to the source and call `scheduleWrite`; a dedicated queue then takes whatever
/// has gathered (`batchDelay`), writes it and fsyncs once for all of it (group commit),
/// so a burst of a thousand records costs a few fsyncs, not a thousand, and the caller
/// (the feature actor) never waits for the disk.
final class AppendLog: Sendable {
    let path: String
    /// How long appends gather before one write and fsync: short against what a crash
    /// could lose, long against an fsync per record of a fast stream of small files.
    static let batchDelay = 0.025
    private let mode: mode_t
    private let queue: any LogWriterQueue
    private let onError: @Sendable (String) -> Void

    /// What to write next, taken on the writer queue: a snapshot replacing the file (an
    /// empty one removes it), then payloads to append.
    typealias Source = @Sendable () -> (snapshot: [[UInt8]]?, records: [[UInt8]])
    private let source: Source

    private struct State {
        /// A delayed write is waiting on the queue. Only its own run clears this: a write
        /// asked for in between (`whenWritten`) must not, or every such write would leave
        /// one more delayed write behind, and a steady stream of records would be written
        /// and synced every millisecond or two instead of once per `batchDelay`.
        var scheduled = false
        /// Bytes in the file as written so far, and in its last snapshot.
        var size: Int64 = 0
        var snapshotSize: Int64 = 0
        var descriptor: Int32 = -1
        var failing = false
    }
    private let state = Mutex(State())

    /// The result of reading a log back.
    struct Contents {
        /// The payloads of the records whose checksum held, in order.
        var records: [[UInt8]] = []
        /// Records that were damaged somewhere before the end (not a torn last line).
        var damagedRecords = 0
        /// Records whose check failed by one flipped bit, put back (counted in `records`).
        var repairedRecords = 0
        /// The last line was cut short: a write interrupted by a crash, harmless.
        var tornTail = false
        var size: Int64 = 0
        /// The bytes of the damaged lines and of a torn tail (the first `maxDamagedKept`,
        /// each cut at `maxDamagedLineBytes`): what a reader can still learn from them,
        /// such as which uploads they were about.
        var damagedLines: [ArraySlice<UInt8>] = []

        static let maxDamagedKept = 10_000
        static let maxDamagedLineBytes = 1 << 16

        mutating func keepDamaged(_ line: ArraySlice<UInt8>) {
            guard damagedLines.count < Self.maxDamagedKept else { return }
            damagedLines.append(line.prefix(Self.maxDamagedLineBytes))
        }
    }

    init(path: String, mode: mode_t, queues: LogWriterQueues = DispatchLogWriterQueue.make,
         onError: @escaping @Sendable (String) -> Void, source: @escaping Source) {
        self.path = path
        self.mode = mode
        self.onError = onError
        self.source = source
        queue = queues(path)
    }

    deinit {
        let descriptor = state.withLock { $0.descriptor }
        if descriptor >= 0 { close(descriptor) }
    }

    /// Reads the records of the log at `path`; nil contents and an error text when it
    /// exists but cannot be read (a folder, no permission).
    static func read(path: String) -> Result<Contents, JournalReadError> {
        readBytes(path: path).map(parse)
    }

    /// The bytes of the log at `path` (none when there is no such file); an error text
    /// when it exists but cannot be read.
    static func readBytes(path: String) -> Result<[UInt8], JournalReadError> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return .success([]) }
            return .failure(JournalReadError("cannot read \(path): \(String(cString: strerror(errno)))"))
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else {
                return .failure(JournalReadError("cannot read \(path): \(String(cString: strerror(errno)))"))
            }
            if count == 0 { return .success(bytes) }
            bytes += buffer[0..<count]
        }
    }

    /// Splits `bytes` into records and checks each one, putting back a single flipped
    /// bit where that explains a failed check (`FlippedBitRepair`). Never traps,
    /// whatever the input.
    static func parse(_ bytes: [UInt8]) -> Contents {
        var contents = Contents(size: Int64(bytes.count))
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        while start < bytes.count, let newline = bytes[start...].firstIndex(of: 10) {
            lines.append(bytes[start..<newline])
            start = newline + 1
        }
        let tail = bytes[start...]
        var index = 0
        while index < lines.count {
            let line = lines[index]
            index += 1
            if let payload = verifiedPayload(line) {
                contents.records.append(payload)
            } else if index < lines.count, verifiedPayload(lines[index]) == nil,
                      let payload = FlippedBitRepair.rejoin(line, lines[index]) {
                contents.records.append(payload)
                contents.repairedRecords += 1
                index += 1
            } else if let (first, second) = FlippedBitRepair.split(line) {
                contents.records += [first, second]
                contents.repairedRecords += 2
            } else if let payload = FlippedBitRepair.repair(line) {
                contents.records.append(payload)
                contents.repairedRecords += 1
            } else {
                contents.damagedRecords += 1
                contents.keepDamaged(line)
            }
        }
        if !tail.isEmpty {
            if let last = tail.last, FlippedBitRepair.oneBitApart(last, 10), let payload = verifiedPayload(tail.dropLast()) {
                // The last newline lost a bit: the record is whole.
                contents.records.append(payload)
                contents.repairedRecords += 1
            } else {
                contents.tornTail = true
                contents.keepDamaged(tail)
            }
        }
        return contents
    }

    static func verifiedPayload(_ line: ArraySlice<UInt8>) -> [UInt8]? {
        guard line.count > 9, line[line.startIndex + 8] == UInt8(ascii: " ") else { return nil }
        let hex = String(decoding: line.prefix(8), as: UTF8.self)
        guard let expected = UInt32(hex, radix: 16) else { return nil }
        let payload = Array(line.dropFirst(9))
        return CRC32.checksum(payload) == expected ? payload : nil
    }

    static func frame(_ payload: [UInt8]) -> [UInt8] {
        var line = CRC32.hex(CRC32.checksum(payload))
        line.reserveCapacity(payload.count + 10)
        line.append(UInt8(ascii: " "))
        line += payload
        line.append(10)
        return line
    }

    /// The size of the file as written so far, and of its last snapshot (or of what was
    /// there at start-up, see `adopt`).
    var size: Int64 { state.withLock { $0.size } }
    var snapshotSize: Int64 { state.withLock { $0.snapshotSize } }

    /// Takes the size of the file found at start-up as its snapshot size.
    func adopt(existingSize: Int64) {
        state.withLock { state in
            state.size = existingSize
            state.snapshotSize = existingSize
        }
    }

    /// Writes what the source holds after `batchDelay` (once, however often it is asked).
    func scheduleWrite() {
        let schedule = state.withLock { state in
            defer { state.scheduled = true }
            return !state.scheduled
        }
        if schedule {
            queue.async(after: Self.batchDelay) {
                self.state.withLock { $0.scheduled = false }
                self.writePending()
            }
        }
    }

    /// Waits until everything handed over is on disk. Blocks: call it off the cooperative
    /// pool or only when stopping.
    func sync() {
        queue.sync { writePending() }
    }

    /// Runs `work` on the writer queue after everything handed over so far is written.
    func whenWritten(_ work: @escaping @Sendable () -> Void) {
        queue.async {
            self.writePending()
            work()
        }
    }

    private func writePending() {
        let (snapshot, records) = source()
        if let snapshot {
            let bytes = snapshot.flatMap(Self.frame)
            writeSnapshot(bytes)
            state.withLock { state in
                state.size = Int64(bytes.count)
                state.snapshotSize = Int64(bytes.count)
            }
        }
        guard !records.isEmpty else { return }
        let pending = records.flatMap(Self.frame)
        guard let descriptor = openForAppend() else { return }
        if Self.writeAll(descriptor, pending) {
            fdatasync(descriptor)
            state.withLock { $0.size += Int64(pending.count) }
            reportRecovery()
        } else {
            reportFailure("cannot append to \(path): \(String(cString: strerror(errno)))")
        }
    }

    private func writeSnapshot(_ bytes: [UInt8]) {
        let descriptor = state.withLock { state in defer { state.descriptor = -1 }; return state.descriptor }
        if descriptor >= 0 { close(descriptor) }
        if bytes.isEmpty {
            if unlink(path) != 0 && errno != ENOENT {
                reportFailure("cannot remove \(path): \(String(cString: strerror(errno)))")
            }
            return
        }
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else {
            reportFailure("cannot write \(temporary): \(String(cString: strerror(errno)))")
            return
        }
        fchmod(fd, mode)
        let written = Self.writeAll(fd, bytes)
        fsync(fd)
        close(fd)
        guard written, rename(temporary, path) == 0 else {
            reportFailure("cannot replace \(path): \(String(cString: strerror(errno)))")
            unlink(temporary)
            return
        }
        syncDirectory()
    }

    private func openForAppend() -> Int32? {
        if let open = state.withLock({ $0.descriptor >= 0 ? $0.descriptor : nil }) { return open }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode)
        guard fd >= 0 else {
            reportFailure("cannot open \(path): \(String(cString: strerror(errno)))")
            return nil
        }
        fchmod(fd, mode)
        state.withLock { $0.descriptor = fd }
        syncDirectory()
        return fd
    }

    /// A new or renamed file survives a power cut only once its folder is synced too.
    private func syncDirectory() {
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let fd = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else { return false }
            written += result
        }
        return true
    }

    /// One error line when writing starts failing (a full or read-only disk), not one per record.
    private func reportFailure(_ message: String) {
        let first = state.withLock { state in defer { state.failing = true }; return !state.failing }
        if first { onError("\(message): uploads go on, but a restart now would not resume them") }
    }

    private func reportRecovery() {
        let recovered = state.withLock { state in defer { state.failing = false }; return state.failing }
        if recovered { onError("\(path) is written again") }
    }
}
