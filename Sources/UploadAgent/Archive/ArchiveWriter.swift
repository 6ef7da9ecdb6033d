import CArchive
#if canImport(Glibc)
import Glibc
#endif

/// Writes the archive of `upload.archive` (tar.gz, zip) and the gzip copy of
/// `upload.compress` with libarchive, into `<path>.part`, synced and then renamed to `path`:
/// a crash leaves either a whole archive or a `.part` that is written again.
///
/// Blocking (it reads and compresses every member): call it on a thread of its own, never
/// on Swift's cooperative pool. Memory stays one read buffer, whatever the members' sizes.
public enum ArchiveWriter {
    /// Reads of this size feed the compressor.
    static let chunkSize = 256 * 1024

    /// Writes `members` as one archive of `format`. Members gone or replaced since their
    /// selection are left out (listed in the summary); a member truncated while it is read,
    /// an archive beyond `limit` bytes or a full disk end the whole archive with an error.
    public static func write(_ members: [ArchiveMember], format: ArchiveFormat, to path: String, limit: Int64,
                             limitReason: String = "archiveMaxSize",
                             isCancelled: @Sendable () -> Bool = { false }) throws(ArchiveError) -> ArchiveSummary {
        try write(members, to: path, limit: limit, limitReason: limitReason, isCancelled: isCancelled) { library, archive in
            switch format {
            case .tarGz:
                // pax keeps long names, large sizes and nanosecond times; no gzip timestamp,
                // so the same members give the same bytes.
                library.setFormatPaxRestricted(archive) == ARCHIVE_OK
                    && library.addFilterGzip(archive) == ARCHIVE_OK
                    && library.setOptions(archive, "gzip:!timestamp") == ARCHIVE_OK
            case .zip:
                library.setFormatZip(archive) == ARCHIVE_OK
            }
        }
    }

    /// Writes the first `member.identity.size` bytes of one file gzip-compressed (no name,
    /// no timestamp in the header: the same bytes give the same output).
    public static func compress(_ member: ArchiveMember, to path: String, limit: Int64, limitReason: String = "archiveMaxSize",
                                isCancelled: @Sendable () -> Bool = { false }) throws(ArchiveError) -> ArchiveSummary {
        try write([member], to: path, limit: limit, limitReason: limitReason, isCancelled: isCancelled) { library, archive in
            library.setFormatRaw(archive) == ARCHIVE_OK
                && library.addFilterGzip(archive) == ARCHIVE_OK
                && library.setOptions(archive, "gzip:!timestamp") == ARCHIVE_OK
        }
    }

    private static func write(_ members: [ArchiveMember], to path: String, limit: Int64, limitReason: String,
                              isCancelled: @Sendable () -> Bool,
                              configure: (LibArchive, OpaquePointer) -> Bool) throws(ArchiveError) -> ArchiveSummary {
        let library = try LibArchive.shared.get()
        let part = path + ".part"
        let output = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard output >= 0 else { throw .failed("cannot create \(part): \(String(cString: strerror(errno)))") }
        var written: ArchiveSummary
        do throws(ArchiveError) {
            written = try fill(output, with: members, using: library, limit: limit, limitReason: limitReason,
                               isCancelled: isCancelled, configure: configure)
            guard fsync(output) == 0 else { throw errnoError(errno, path: part) }
        } catch {
            close(output)
            unlink(part)
            throw error
        }
        close(output)
        guard rename(part, path) == 0 else {
            let problem = String(cString: strerror(errno))
            unlink(part)
            throw .failed("cannot rename \(part): \(problem)")
        }
        written.archiveBytes = FileIdentity.of(path: path)?.size ?? written.archiveBytes
        return written
    }

    private static func fill(_ output: Int32, with members: [ArchiveMember], using library: LibArchive, limit: Int64,
                             limitReason: String, isCancelled: @Sendable () -> Bool,
                             configure: (LibArchive, OpaquePointer) -> Bool) throws(ArchiveError) -> ArchiveSummary {
        guard let archive = library.writeNew() else { throw .failed("libarchive could not start a writer") }
        defer { _ = library.writeFree(archive) }
        guard configure(library, archive), library.openDescriptor(archive, output) == ARCHIVE_OK else {
            throw .failed(problem(of: archive, library))
        }
        var summary = ArchiveSummary(memberCount: 0, memberBytes: 0, archiveBytes: 0, skipped: [])
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        for member in members {
            if isCancelled() { throw .failed("cancelled") }
            let input = open(member.path, O_RDONLY | O_CLOEXEC)
            guard input >= 0 else {
                summary.skipped.append((member.path, "gone before it was archived"))
                continue
            }
            defer { close(input) }
            guard let current = FileIdentity.of(descriptor: input), current.isSameFile(as: member.identity) else {
                summary.skipped.append((member.path, "replaced by another file before it was archived"))
                continue
            }
            guard current.size >= member.identity.size else {
                summary.skipped.append((member.path, "truncated before it was archived"))
                continue
            }
            try addEntry(member, reading: input, into: archive, using: library, buffer: &buffer, output: output, limit: limit,
                         limitReason: limitReason, isCancelled: isCancelled)
            summary.memberCount += 1
            summary.memberBytes += member.identity.size
        }
        guard summary.memberCount > 0 else { throw .nothingLeft }
        guard library.writeClose(archive) == ARCHIVE_OK else { throw failure(of: archive, library, output: output) }
        summary.archiveBytes = library.filterBytes(archive, -1)
        guard summary.archiveBytes <= limit else { throw .tooLarge(limit: limit, reason: limitReason) }
        return summary
    }

    private static func addEntry(_ member: ArchiveMember, reading input: Int32, into archive: OpaquePointer,
                                 using library: LibArchive, buffer: inout [UInt8], output: Int32, limit: Int64,
                                 limitReason: String, isCancelled: @Sendable () -> Bool) throws(ArchiveError) {
        guard let entry = library.entryNew() else { throw .failed("libarchive could not make an entry") }
        defer { library.entryFree(entry) }
        library.entrySetPathname(entry, member.name)
        library.entrySetSize(entry, member.identity.size)
        library.entrySetFiletype(entry, UInt32(Glibc.S_IFREG))
        library.entrySetPerm(entry, 0o644)
        library.entrySetMtime(entry, time_t(member.identity.modified / 1_000_000_000),
                              Int(member.identity.modified % 1_000_000_000))
        // A name that is not valid in the locale's charset is stored as its raw bytes (WARN).
        guard library.writeHeader(archive, entry) >= ARCHIVE_WARN else { throw failure(of: archive, library, output: output) }
        var offset: Int64 = 0
        while offset < member.identity.size {
            if isCancelled() { throw .failed("cancelled") }
            let wanted = Int(min(Int64(buffer.count), member.identity.size - offset))
            let read = buffer.withUnsafeMutableBytes { pread(input, $0.baseAddress, wanted, off_t(offset)) }
            if read < 0 && errno == EINTR { continue }
            guard read > 0 else { throw .memberChanged(member.path) }
            let sent = buffer.withUnsafeBytes { library.writeData(archive, $0.baseAddress, read) }
            guard sent == read else { throw failure(of: archive, library, output: output) }
            offset += Int64(read)
            if library.filterBytes(archive, -1) > limit { throw .tooLarge(limit: limit, reason: limitReason) }
        }
        guard library.finishEntry(archive) >= ARCHIVE_WARN else { throw failure(of: archive, library, output: output) }
    }

    private static func problem(of archive: OpaquePointer, _ library: LibArchive) -> String {
        library.errorString(archive).map { String(cString: $0) } ?? "libarchive failed"
    }

    private static func failure(of archive: OpaquePointer, _ library: LibArchive, output: Int32) -> ArchiveError {
        let code = library.errorNumber(archive)
        return code == ENOSPC || code == EDQUOT ? .noSpace(folder(of: output)) : .failed(problem(of: archive, library))
    }

    private static func errnoError(_ code: Int32, path: String) -> ArchiveError {
        code == ENOSPC || code == EDQUOT ? .noSpace(FileScope.folder(path)) : .failed("\(path): \(String(cString: strerror(code)))")
    }

    /// The folder the archive is written to, for a message (read back through /proc).
    private static func folder(of descriptor: Int32) -> String {
        FileSelector.readLink("/proc/self/fd/\(descriptor)").map(FileScope.folder) ?? "the state folder"
    }
}
