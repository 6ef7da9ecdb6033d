#if canImport(Glibc)
import Glibc
#endif

/// Reads the status file; it is replaced atomically, so any read sees a whole document.
/// A failure says what an operator should do: a missing file means the agent is not
/// running (or writes elsewhere), a refused one names the group that may read it.
public enum StatusFileReader {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case absent(path: String)
        case permissionDenied(path: String, group: String?)
        case unreadable(path: String, reason: String)

        public var description: String {
            switch self {
            case .absent(let path): "no status file at \(path) (is the agent running?)"
            case .permissionDenied(let path, let group):
                "cannot read \(path): permission denied (run as root" + (group.map { " or join group \($0)" } ?? "") + ")"
            case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
            }
        }
    }

    public static func read(_ path: String) -> Result<[UInt8], Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(failure(errno, path: path)) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return .failure(failure(errno, path: path)) }
            if count == 0 { return .success(bytes) }
            bytes += buffer[..<count]
        }
    }

    static func failure(_ code: Int32, path: String) -> Failure {
        switch code {
        case ENOENT, ENOTDIR: return .absent(path: path)
        case EACCES, EPERM: return .permissionDenied(path: path, group: groupGuarding(path))
        default: return .unreadable(path: path, reason: String(cString: strerror(code)))
        }
    }

    /// The group of the nearest folder on the way to `path` that the group may enter and
    /// others may not (the state folder, `StateDirectoryMode=0750`); nil when none is.
    static func groupGuarding(_ path: String) -> String? {
        var folder = path
        while let slash = folder.lastIndex(of: "/"), slash != folder.startIndex {
            folder = String(folder[..<slash])
            var info = stat()
            guard stat(folder, &info) == 0 else { continue }
            let groupEnters = info.st_mode & S_IXGRP != 0, othersEnter = info.st_mode & S_IXOTH != 0
            if groupEnters && !othersEnter, let group = getgrgid(info.st_gid), let name = group.pointee.gr_name {
                return String(cString: name)
            }
        }
        return nil
    }
}
