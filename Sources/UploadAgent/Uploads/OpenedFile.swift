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
    /// Where the opened name led, links resolved (the path itself without /proc).
    let realPath: String

    private init(descriptor: Int32, identity: FileIdentity, readPath: String, realPath: String) {
        self.descriptor = descriptor
        self.identity = identity
        self.readPath = readPath
        self.realPath = realPath
    }

    deinit { close(descriptor) }

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
        let procPath = "/proc/self/fd/\(descriptor)"
        let readPath = access(procPath, R_OK) == 0 ? procPath : path
        let realPath = FileSelector.readLink(procPath) ?? path
        return OpenedFile(descriptor: descriptor, identity: identity, readPath: readPath, realPath: realPath)
    }
}
