#if canImport(Glibc)
import Glibc
#endif

/// Which file a path named when it was checked, and what it looked like then: device and
/// inode say "the same file", size and modification time say "unchanged". Kept in the
/// journal so a resumed upload never sends an object half old, half new, and compared with
/// the opened descriptor so a link swapped after a check cannot redirect a read.
public struct FileIdentity: Codable, Sendable, Equatable {
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    /// Modification time in nanoseconds since the epoch.
    public var modified: Int64

    public init(device: UInt64, inode: UInt64, size: Int64, modified: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modified = modified
    }

    init(_ info: stat) {
        self.init(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                  modified: Int64(info.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(info.st_mtim.tv_nsec))
    }

    /// The regular file `path` names (links followed), or nil when it is not one.
    public static func of(path: String) -> FileIdentity? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return FileIdentity(info)
    }

    /// The regular file an open descriptor refers to.
    public static func of(descriptor: Int32) -> FileIdentity? {
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return FileIdentity(info)
    }

    /// Same device and inode: the same file, whatever happened to its contents.
    public func isSameFile(as other: FileIdentity) -> Bool {
        device == other.device && inode == other.inode
    }

    /// The same file with the same size and modification time.
    public func isUnchanged(comparedTo other: FileIdentity) -> Bool {
        self == other
    }
}
