import Logging
#if canImport(Glibc)
import Glibc
#endif

/// `delete`: removes a file whose upload succeeded, unless it changed since it was read
/// (a log that grew meanwhile keeps its new lines). Used after a success, and at start-up
/// for a success the previous run could not finish deleting.
enum UploadedFileDeletion {
    static func delete(_ file: FileRecord, logger: Logger) {
        guard let current = FileIdentity.of(path: file.path) else { return }  // already gone
        guard let identity = file.identity, current.isUnchanged(comparedTo: identity) else {
            logger.warning("kept \(file.path) although 'delete' is on: it changed while it was uploaded")
            return
        }
        if unlink(file.path) == 0 {
            logger.info("deleted \(file.path) after its upload succeeded")
        } else {
            logger.warning("could not delete \(file.path) after its upload: \(String(cString: strerror(errno)))")
        }
    }
}
