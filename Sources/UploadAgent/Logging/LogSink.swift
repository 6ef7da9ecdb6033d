import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Where log lines go: stderr with journald's `<N>` priority prefixes (systemd reads
/// them), and optionally `logFile`, rotated by size, keeping `logFileCount` old files and
/// none older than `logFileMaxAge` days. When stderr is journald's stream, its lines leave
/// out the time and level journald records itself.
public final class LogSink: Sendable {
    private let path: String?
    private let maxBytes: Int64
    private let keep: Int
    private let maxAgeSeconds: Double
    private let file = Mutex<(fd: Int32, size: Int64)>((-1, 0))
    /// stderr is connected to journald (`JOURNAL_STREAM` names its device and inode).
    let stderrIsJournal: Bool

    public init(path: String?, maxMegabytes: Int, keep: Int, maxAgeDays: Int = 0, maxBytes: Int64? = nil) {
        self.path = path.flatMap { $0.isEmpty ? nil : $0 }
        self.maxBytes = maxBytes ?? Int64(max(1, maxMegabytes)) * 1_048_576
        self.keep = max(1, keep)
        maxAgeSeconds = Double(max(0, maxAgeDays)) * 86_400
        stderrIsJournal = Self.isJournalStream(getenv("JOURNAL_STREAM").map { String(cString: $0) }, fd: 2)
        if let path = self.path {
            StatusFileWriter.makeParentDirectory(of: path)
            file.withLock { $0 = Self.open(path) }
        }
    }

    private static func open(_ path: String) -> (Int32, Int64) {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        var info = stat()
        let size = fd >= 0 && fstat(fd, &info) == 0 ? Int64(info.st_size) : 0
        return (fd, size)
    }

    /// Whether `fd` is the stream `JOURNAL_STREAM` ("<device>:<inode>") names, as systemd
    /// documents the check: a child that inherited the variable but not the stream is not.
    static func isJournalStream(_ variable: String?, fd: Int32) -> Bool {
        guard let variable, case let parts = variable.split(separator: ":"), parts.count == 2,
              let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        return fstat(fd, &info) == 0 && UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }

    /// Writes `message` with its `stamp` (time and level) to the log file and to stderr,
    /// where journald is given the message alone.
    public func write(priority: Int, stamp: String, message: String) {
        let line = stamp + " " + message
        StandardError.write("<\(priority)>\(stderrIsJournal ? message : line)")
        guard let path else { return }
        let bytes = Array((line + "\n").utf8)
        file.withLock { state in
            if state.fd >= 0 && state.size + Int64(bytes.count) > maxBytes {
                close(state.fd)
                for index in stride(from: keep - 1, through: 1, by: -1) {
                    rename("\(path).\(index)", "\(path).\(index + 1)")
                }
                rename(path, "\(path).1")
                unlink("\(path).\(keep + 1)")
                removeExpired(path)
                state = Self.open(path)
            }
            guard state.fd >= 0 else { return }
            _ = bytes.withUnsafeBytes { Glibc.write(state.fd, $0.baseAddress, $0.count) }
            state.size += Int64(bytes.count)
        }
    }

    /// Forces what was written to `logFile` to disk.
    public func sync() {
        file.withLock { state in if state.fd >= 0 { fsync(state.fd) } }
    }

    /// Deletes rotated files last written more than `logFileMaxAge` days ago (0: keep all).
    private func removeExpired(_ path: String) {
        guard maxAgeSeconds > 0 else { return }
        let now = systemWallClock()
        for index in 1...keep {
            var info = stat()
            let rotated = "\(path).\(index)"
            if stat(rotated, &info) == 0, now - Double(info.st_mtim.tv_sec) > maxAgeSeconds { unlink(rotated) }
        }
    }
}
