import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Where archives wait for their upload: `<stateDir>/archives`. An archive is written
/// whole before its request goes out and stays until its upload ended, so a restart
/// resumes the same bytes on every provider (S3 parts, Azure blocks, GCS sessions).
struct ArchiveStage: Sendable {
    let folder: String
    /// `archiveMaxSize` (0: only the space left bounds an archive).
    let maxSize: Int64

    /// Space kept free in the state folder, for the journal and the status file.
    static let reserve: Int64 = 32 << 20

    init(stateDir: String, maxSize: Int64) {
        folder = stateDir + "/archives"
        self.maxSize = maxSize
    }

    /// The path for an archive named `name`, created folder included; a name another upload
    /// already uses gets a number.
    func path(for name: String) -> String {
        StatusFileWriter.makeDirectory(folder)
        var candidate = folder + "/" + name
        var number = 2
        let dot = name.firstIndex(of: ".") ?? name.endIndex
        while FileCheck.exists(candidate) || FileCheck.exists(ArchiveManifest.path(ofArchive: candidate)) {
            candidate = folder + "/" + name[..<dot] + "-\(number)" + name[dot...]
            number += 1
        }
        return candidate
    }

    /// The largest archive that may be written now, and what sets that bound.
    func limit() -> (bytes: Int64, reason: String) {
        var info = statvfs()
        let free = statvfs(folder, &info) == 0 ? Int64(info.f_bavail) * Int64(info.f_frsize) - Self.reserve : Int64.max
        if maxSize > 0 && maxSize <= free { return (maxSize, "archiveMaxSize") }
        return (max(0, free), "the space left in \(folder)")
    }

    /// Writes `members` as an archive of `format` on a thread of its own, or, with no
    /// format, the gzip copy of the one member.
    func build(_ members: [ArchiveMember], format: ArchiveFormat?, to path: String,
               cancelled: AtomicFlag) async -> Result<ArchiveSummary, ArchiveError> {
        let (bytes, reason) = limit()
        return await withCheckedContinuation { continuation in
            DedicatedThread(name: "archive") {
                let check: @Sendable () -> Bool = { cancelled.isSet }
                continuation.resume(returning: Result { () throws(ArchiveError) in
                    if let format {
                        try ArchiveWriter.write(members, format: format, to: path, limit: bytes, limitReason: reason, isCancelled: check)
                    } else {
                        try ArchiveWriter.compress(members[0], to: path, limit: bytes, limitReason: reason, isCancelled: check)
                    }
                })
            }.detach()
        }
    }

    /// Removes an archive, its `.part` and its list of members.
    static func discard(_ archive: String) {
        unlink(archive)
        unlink(archive + ".part")
        unlink(ArchiveManifest.path(ofArchive: archive))
    }

    /// Removes every staged file no unfinished upload needs (left by a crash between an
    /// upload's end and its clean-up); returns how many archives went.
    @discardableResult
    func sweep(keeping needed: Set<String>) -> Int {
        guard let directory = opendir(folder) else { return 0 }
        var removed = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard name != "." && name != ".." else { continue }
            let path = folder + "/" + name
            let archive = name.hasSuffix(".members.json") ? String(path.dropLast(".members.json".count))
                : name.hasSuffix(".part") ? String(path.dropLast(".part".count)) : path
            guard !needed.contains(archive) else { continue }
            if unlink(path) == 0 && archive == path { removed += 1 }
        }
        closedir(directory)
        return removed
    }

    /// `delete` after the archive's SUCCESS: each member that is still the file that was
    /// archived, unchanged (a log that grew keeps its new lines).
    static func deleteMembers(of archive: String, logger: Logger) {
        guard let manifest = ArchiveManifest.load(forArchive: archive) else {
            logger.warning("kept the files of \(archive) although 'delete' is on: the list of its files cannot be read")
            return
        }
        var deleted = 0
        for member in manifest.members where UploadedFileDeletion.delete(member.path, ifUnchanged: member.identity, logger: logger) {
            deleted += 1
        }
        logger.info("deleted \(deleted) of the \(manifest.members.count) file(s) of \(archive) after its upload succeeded")
    }
}
