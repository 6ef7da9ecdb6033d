#if canImport(Glibc)
import Glibc
#endif

/// A file opened for one upload and checked through its descriptor: the identity is the
/// one of the file actually opened, and every read of the upload goes through
/// `/proc/self/fd/N`, so a link or name swapped after the check cannot redirect it.
/// Closed when the upload lets go of it.
final class OpenedFile: Sendable {
    let descriptor: Int32
    let identity: FileIdentity
    /// The path to read the bytes from.
    let readPath: String
    /// Where the opened name led, links resolved (the path itself without /proc). Only
    /// asked for when the identity differs from the checked one, so read then.
    var realPath: String { Self.procAvailable ? FileSelector.readLink(readPath) ?? path : path }
    private let path: String

    private init(descriptor: Int32, identity: FileIdentity, path: String) {
        self.descriptor = descriptor
        self.identity = identity
        self.path = path
        readPath = Self.procAvailable ? "/proc/self/fd/\(descriptor)" : path
    }

    /// Whether this process sees its descriptors under /proc (not in every chroot).
    private static let procAvailable = access("/proc/self/fd", R_OK) == 0

    deinit { close(descriptor) }

    /// A descriptor to read `path` from: for a `readPath` of an open file, a duplicate of
    /// its descriptor (no path lookup through /proc for every request of every file).
    static func openForReading(_ path: String) -> Int32 {
        let prefix = "/proc/self/fd/"
        if path.hasPrefix(prefix), let number = Int32(path.dropFirst(prefix.count)) {
            let duplicate = fcntl(number, F_DUPFD_CLOEXEC, 0)
            if duplicate >= 0 { return duplicate }
        }
        return Glibc.open(path, O_RDONLY | O_CLOEXEC)
    }

    /// Opens `path` (links followed) for reading; throws a message naming the problem.
    static func open(_ path: String) throws(UploadFailure) -> OpenedFile {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw UploadFailure("\(path) cannot be read: \(String(cString: strerror(errno)))")
        }
        guard let identity = FileIdentity.of(descriptor: descriptor) else {
            close(descriptor)
            throw UploadFailure("\(path) is no longer a regular file")
        }
        return OpenedFile(descriptor: descriptor, identity: identity, path: path)
    }
}
