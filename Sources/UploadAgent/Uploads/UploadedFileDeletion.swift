import Logging
#if canImport(Glibc)
import Glibc
#endif

/// `delete`: removes a file whose upload succeeded, unless it changed since it was read
/// (a log that grew meanwhile keeps its new lines). Used after a success, and at start-up
/// for a success the previous run could not finish deleting.
enum UploadedFileDeletion {
    static func delete(_ file: FileRecord, logger: Logger) {
        guard let identity = file.identity else {
            logger.warning("kept \(file.path) although 'delete' is on: it changed while it was uploaded")
            return
        }
        if delete(file.path, ifUnchanged: identity, logger: logger) {
            logger.info("deleted \(file.path) after its upload succeeded")
        }
    }

    /// Removes `path` when it is still the file `identity` describes; returns whether it did.
    static func delete(_ path: String, ifUnchanged identity: FileIdentity, logger: Logger) -> Bool {
        guard let current = FileIdentity.of(path: path) else { return false }  // already gone
        guard current.isUnchanged(comparedTo: identity) else {
            logger.warning("kept \(path) although 'delete' is on: it changed while it was uploaded")
            return false
        }
        guard unlink(path) == 0 else {
            logger.warning("could not delete \(path) after its upload: \(String(cString: strerror(errno)))")
            return false
        }
        return true
    }
}
