import CArchive
#if canImport(Glibc)
import Glibc
#endif

/// libarchive, loaded the first time the agent writes an archive or a compressed copy.
/// The agent does not link it: most gateways never ask for archives, and the library pulls
/// in libxml2, ICU, lzma, zstd, lz4 and bzip2, a megabyte and more of an idle agent's memory
/// and a dozen libraries to load at every start. The package depends on it all the same,
/// so archives work out of the box; where it is missing, archive uploads fail with the reason.
struct LibArchive: @unchecked Sendable {
    /// Debian's soname of libarchive 3 (package libarchive13).
    static let soname = "libarchive.so.13"

    /// The library, or why it could not be loaded (asked once per process).
    static let shared: Result<LibArchive, ArchiveError> = load(soname)

    let writeNew: fua_archive_write_new
    let writeFree: fua_archive_write_free
    let setFormatPaxRestricted: fua_archive_write_set_format_pax_restricted
    let setFormatZip: fua_archive_write_set_format_zip
    let setFormatRaw: fua_archive_write_set_format_raw
    let addFilterGzip: fua_archive_write_add_filter_gzip
    let setOptions: fua_archive_write_set_options
    let openDescriptor: fua_archive_write_open_fd
    let writeHeader: fua_archive_write_header
    let writeData: fua_archive_write_data
    let finishEntry: fua_archive_write_finish_entry
    let writeClose: fua_archive_write_close
    let filterBytes: fua_archive_filter_bytes
    let errorNumber: fua_archive_errno
    let errorString: fua_archive_error_string
    let entryNew: fua_archive_entry_new
    let entryFree: fua_archive_entry_free
    let entrySetPathname: fua_archive_entry_set_pathname
    let entrySetSize: fua_archive_entry_set_size
    let entrySetFiletype: fua_archive_entry_set_filetype
    let entrySetPerm: fua_archive_entry_set_perm
    let entrySetMtime: fua_archive_entry_set_mtime

    static func load(_ name: String) -> Result<LibArchive, ArchiveError> {
        guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? name
            return .failure(.failed("archives need libarchive, which could not be loaded (\(reason)): apt-get install libarchive13"))
        }
        do throws(ArchiveError) {
            return .success(try LibArchive(handle: handle))
        } catch {
            dlclose(handle)
            return .failure(error)
        }
    }

    private init(handle: UnsafeMutableRawPointer) throws(ArchiveError) {
        func symbol<Function>(_ name: String) throws(ArchiveError) -> Function {
            guard let address = dlsym(handle, name) else {
                throw .failed("the libarchive found has no \(name) (a libarchive 3 is needed)")
            }
            return unsafeBitCast(address, to: Function.self)
        }
        writeNew = try symbol("archive_write_new")
        writeFree = try symbol("archive_write_free")
        setFormatPaxRestricted = try symbol("archive_write_set_format_pax_restricted")
        setFormatZip = try symbol("archive_write_set_format_zip")
        setFormatRaw = try symbol("archive_write_set_format_raw")
        addFilterGzip = try symbol("archive_write_add_filter_gzip")
        setOptions = try symbol("archive_write_set_options")
        openDescriptor = try symbol("archive_write_open_fd")
        writeHeader = try symbol("archive_write_header")
        writeData = try symbol("archive_write_data")
        finishEntry = try symbol("archive_write_finish_entry")
        writeClose = try symbol("archive_write_close")
        filterBytes = try symbol("archive_filter_bytes")
        errorNumber = try symbol("archive_errno")
        errorString = try symbol("archive_error_string")
        entryNew = try symbol("archive_entry_new")
        entryFree = try symbol("archive_entry_free")
        entrySetPathname = try symbol("archive_entry_set_pathname")
        entrySetSize = try symbol("archive_entry_set_size")
        entrySetFiletype = try symbol("archive_entry_set_filetype")
        entrySetPerm = try symbol("archive_entry_set_perm")
        entrySetMtime = try symbol("archive_entry_set_mtime")
    }
}
