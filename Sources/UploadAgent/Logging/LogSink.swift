import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Where log lines go: stderr with journald's `<N>` priority prefixes (systemd reads
/// them), and optionally `logFile`, rotated by size, keeping `logFileCount` old files.
public final class LogSink: Sendable {
    private let path: String?
    private let maxBytes: Int64
    private let keep: Int
    private let file = Mutex<(fd: Int32, size: Int64)>((-1, 0))

    public init(path: String?, maxMegabytes: Int, keep: Int) {
        self.path = path.flatMap { $0.isEmpty ? nil : $0 }
        maxBytes = Int64(max(1, maxMegabytes)) * 1_048_576
        self.keep = max(1, keep)
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

    public func write(priority: Int, line: String) {
        StandardError.write("<\(priority)>\(line)")
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
                state = Self.open(path)
            }
            guard state.fd >= 0 else { return }
            _ = bytes.withUnsafeBytes { Glibc.write(state.fd, $0.baseAddress, $0.count) }
            state.size += Int64(bytes.count)
        }
    }
}
