import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Keeps the status file current without tearing it or slowing uploads: the newest
/// document is written on a background queue (never the cooperative pool: fsync
/// blocks), at most every `minimumInterval` seconds, to a temporary file in the same
/// folder that is fsynced and renamed over the old one.
public final class StatusFileWriter: Sendable {
    private let path: String
    private let minimumInterval: Double
    private let queue = DispatchQueue(label: "status-file-writer")
    private let state = Mutex<(pending: StatusDocument?, scheduled: Bool, lastWrite: Double)>((nil, false, 0))
    private let onError: @Sendable (String) -> Void
    /// The last failure told to `onError`: the same one again (a read-only folder, three
    /// writes a second) is not told again until a write succeeds or the failure changes.
    private let lastError = Mutex<String?>(nil)

    public init(path: String, minimumInterval: Double = 0.25, onError: @escaping @Sendable (String) -> Void) {
        self.path = path
        self.minimumInterval = minimumInterval
        self.onError = onError
        Self.makeParentDirectory(of: path)
    }

    /// Accepts the newest document; it reaches the disk within `minimumInterval`.
    func submit(_ document: StatusDocument) {
        let delay: Double? = state.withLock { state in
            state.pending = document
            guard !state.scheduled else { return nil }
            state.scheduled = true
            return max(0, state.lastWrite + minimumInterval - monotonicSeconds())
        }
        guard let delay else { return }
        queue.asyncAfter(deadline: .now() + delay) { [self] in writePending() }
    }

    /// Writes the newest document now and waits for it (used when stopping).
    public func flush() {
        queue.sync { writePending() }
    }

    private func writePending() {
        let document: StatusDocument? = state.withLock { state in
            defer { state.pending = nil; state.scheduled = false; state.lastWrite = monotonicSeconds() }
            return state.pending
        }
        guard let document else { return }
        do throws(StatusWriteError) {
            let bytes: [UInt8]
            do { bytes = try CompactJSONEncoder.encode(document, indented: true) + [10] } catch {
                throw StatusWriteError(message: "cannot encode the status document: \(error)")
            }
            try Self.writeAtomically(bytes, to: path)
            lastError.withLock { $0 = nil }
        } catch {
            let isNew = lastError.withLock { last in
                defer { last = error.message }
                return last != error.message
            }
            if isNew { onError(error.message) }
        }
    }

    struct StatusWriteError: Error { var message: String }

    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(StatusWriteError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StatusWriteError(message: "cannot write \(temporary): \(String(cString: strerror(errno)))") }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else {
                close(fd)
                throw StatusWriteError(message: "cannot write \(temporary): \(String(cString: strerror(errno)))")
            }
            written += result
        }
        // Readable by whoever may enter the folder, whatever the umask (the unit's is 0077):
        // the folder's group (the unit's Group=adm) is how operators read it.
        fchmod(fd, 0o644)
        fsync(fd)
        close(fd)
        guard rename(temporary, path) == 0 else {
            throw StatusWriteError(message: "cannot replace \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Creates `path` and its parents (mode 0755); whatever exists stays.
    static func makeDirectory(_ path: String) {
        makeParentDirectory(of: path + "/.")
    }

    static func makeParentDirectory(of path: String) {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        var current = ""
        for component in path[..<slash].split(separator: "/") {
            current += "/" + component
            mkdir(current, 0o755)
        }
    }
}
