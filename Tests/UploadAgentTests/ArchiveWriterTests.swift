import CArchive
import Testing
@testable import UploadAgent
#if canImport(Glibc)
import Glibc
#endif

/// The archive of `upload.archive` and the gzip copy of `upload.compress`, read back with
/// libarchive's reader: names relative to the upload folder, the selected bytes and times,
/// members gone or replaced left out, the size bound, the same bytes from the same members.
@Suite(.serialized) struct ArchiveWriterTests {
    let folder: String

    init() {
        var template = Array("/tmp/archive-tests-XXXXXX".utf8CString)
        folder = String(cString: mkdtemp(&template)!)
    }

    func write(_ name: String, _ text: String, modified: Int64 = 1_700_000_000) -> ArchiveMember {
        let path = folder + "/" + name
        StatusFileWriter.makeParentDirectory(of: path)
        try! StatusFileWriter.writeAtomically(Array(text.utf8), to: path)
        var times = [timespec(tv_sec: Int(modified), tv_nsec: 0), timespec(tv_sec: Int(modified), tv_nsec: 0)]
        utimensat(AT_FDCWD, path, &times, 0)
        return ArchiveMember(path: path, name: ArchiveMember.name(of: path, in: folder), identity: FileIdentity.of(path: path)!)
    }

    /// (name, mtime, contents) of every entry of the archive at `path`.
    func entries(_ path: String, raw: Bool = false) -> [(String, Int, String)] {
        let reader = archive_read_new()!
        defer { archive_read_free(reader) }
        archive_read_support_filter_all(reader)
        if raw { archive_read_support_format_raw(reader) } else { archive_read_support_format_all(reader) }
        guard archive_read_open_filename(reader, path, 10240) == ARCHIVE_OK else { return [] }
        var found: [(String, Int, String)] = []
        var entry: OpaquePointer?
        while archive_read_next_header(reader, &entry) == ARCHIVE_OK {
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = archive_read_data(reader, &buffer, buffer.count)
                if count <= 0 { break }
                bytes += buffer[..<count]
            }
            found.append((String(cString: archive_entry_pathname(entry)), archive_entry_mtime(entry), String(decoding: bytes, as: UTF8.self)))
        }
        return found
    }

    func contents(_ path: String) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        var all: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while case let count = read(fd, &buffer, buffer.count), count > 0 { all += buffer[..<count] }
        return all
    }

    @Test func aTarGzHoldsTheMembersUnderTheirRelativeNamesAndTimes() throws {
        let members = [write("app/a.log", "first\n", modified: 1_700_000_100), write("b.log", "second\n")]
        let summary = try ArchiveWriter.write(members, format: .tarGz, to: folder + "/out.tar.gz", limit: 1 << 20)
        #expect(summary.memberCount == 2 && summary.memberBytes == 13 && summary.skipped.isEmpty)
        #expect(summary.archiveBytes == Int64(contents(folder + "/out.tar.gz").count))
        let read = entries(folder + "/out.tar.gz")
        #expect(read.map(\.0) == ["app/a.log", "b.log"])
        #expect(read.map(\.1) == [1_700_000_100, 1_700_000_000])
        #expect(read.map(\.2) == ["first\n", "second\n"])
        #expect(!FileCheck.exists(folder + "/out.tar.gz.part"))
    }

    @Test func theSameMembersGiveTheSameBytes() throws {
        let members = [write("a.log", String(repeating: "line\n", count: 5000)), write("b.log", "x")]
        _ = try ArchiveWriter.write(members, format: .tarGz, to: folder + "/1.tar.gz", limit: 1 << 20)
        _ = try ArchiveWriter.write(members, format: .tarGz, to: folder + "/2.tar.gz", limit: 1 << 20)
        #expect(contents(folder + "/1.tar.gz") == contents(folder + "/2.tar.gz"))
    }

    @Test func aZipHoldsTheSameAsATarGz() throws {
        let members = [write("logs/a.log", "zipped\n")]
        _ = try ArchiveWriter.write(members, format: .zip, to: folder + "/out.zip", limit: 1 << 20)
        #expect(entries(folder + "/out.zip").map { [$0.0, $0.2] } == [["logs/a.log", "zipped\n"]])
    }

    @Test func aMemberThatGrewGoesInAsItWasSelected() throws {
        let member = write("grows.log", "selected\n")
        let handle = open(member.path, O_WRONLY | O_APPEND)
        _ = "appended later\n".withCString { Glibc.write(handle, $0, 15) }
        close(handle)
        _ = try ArchiveWriter.write([member], format: .tarGz, to: folder + "/out.tar.gz", limit: 1 << 20)
        #expect(entries(folder + "/out.tar.gz").map(\.2) == ["selected\n"])
    }

    @Test func membersGoneReplacedOrTruncatedAreLeftOutWithTheReason() throws {
        let kept = write("kept.log", "kept\n")
        let gone = write("gone.log", "gone\n")
        let replaced = write("replaced.log", "old\n")
        let truncated = write("truncated.log", "long enough\n")
        unlink(gone.path)
        unlink(replaced.path)
        _ = write("replaced.log", "new\n")
        truncate(truncated.path, 3)
        let summary = try ArchiveWriter.write([kept, gone, replaced, truncated], format: .tarGz,
                                              to: folder + "/out.tar.gz", limit: 1 << 20)
        #expect(summary.memberCount == 1)
        #expect(summary.skipped.map(\.reason) == ["gone before it was archived", "replaced by another file before it was archived",
                                                  "truncated before it was archived"])
        #expect(entries(folder + "/out.tar.gz").map(\.0) == ["kept.log"])
        #expect(throws: ArchiveError.nothingLeft) {
            try ArchiveWriter.write([gone], format: .tarGz, to: folder + "/none.tar.gz", limit: 1 << 20)
        }
        #expect(!FileCheck.exists(folder + "/none.tar.gz") && !FileCheck.exists(folder + "/none.tar.gz.part"))
    }

    @Test func anArchiveBeyondItsBoundFailsAndLeavesNothing() throws {
        var noise = ""
        var state: UInt64 = 42
        for _ in 0..<200_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            noise.append(Character(Unicode.Scalar(UInt8(33 + (state >> 33) % 90))))
        }
        let member = write("noise.log", noise)
        #expect(throws: ArchiveError.tooLarge(limit: 50_000, reason: "archiveMaxSize")) {
            try ArchiveWriter.write([member], format: .tarGz, to: folder + "/big.tar.gz", limit: 50_000)
        }
        #expect(!FileCheck.exists(folder + "/big.tar.gz") && !FileCheck.exists(folder + "/big.tar.gz.part"))
        #expect(ArchiveError.tooLarge(limit: 50_000, reason: "archiveMaxSize").message
            == "the archive grew beyond 50000 bytes (archiveMaxSize); not uploaded")
    }

    @Test func compressWritesOneGzipStreamOfTheSelectedBytes() throws {
        let member = write("one.log", String(repeating: "compress me\n", count: 1000))
        let summary = try ArchiveWriter.compress(member, to: folder + "/one.log.gz", limit: 1 << 20)
        #expect(summary.archiveBytes < 1000)
        #expect(entries(folder + "/one.log.gz", raw: true).map(\.2) == [String(repeating: "compress me\n", count: 1000)])
        #expect(Array(contents(folder + "/one.log.gz").prefix(2)) == [0x1f, 0x8b])
    }

    @Test func namesAreRelativeToTheGlobsFixedFolderAndNeverClimbOut() {
        #expect(FileScope.fixedFolder(of: "/var/log/*/*.log") == "/var/log")
        #expect(FileScope.fixedFolder(of: "/var/log/app.log") == "/var/log")
        #expect(FileScope.fixedFolder(of: "/*.log") == "/")
        #expect(ArchiveMember.name(of: "/var/log/app/x.log", in: "/var/log") == "app/x.log")
        #expect(ArchiveMember.name(of: "/etc/x/../y.log", in: "/var/log") == "etc/x/y.log")
        #expect(ArchiveName.make(device: "edge:gw 1", correlationId: "req/7", time: 1_764_756_000.5, format: .zip)
            == "edge_gw_1_req_7_20251203T100000Z.zip")
        let long = String(repeating: "x", count: 100)
        #expect(ArchiveName.unique(long + "#1") != ArchiveName.unique(long + "#10"))
        #expect(ArchiveName.unique("a b#1") != ArchiveName.unique("a_b#1"))
        #expect(ArchiveName.unique("up#1").hasPrefix("up_1-") && ArchiveName.unique("up#1").count == 21)
    }

    @Test func theStageKeepsWhatUnfinishedUploadsNeedAndSweepsTheRest() throws {
        let stage = ArchiveStage(stateDir: folder, maxSize: 0)
        let needed = stage.path(for: "a.tar.gz")
        try ArchiveManifest(format: .tarGz, members: []).save(forArchive: needed)
        try StatusFileWriter.writeAtomically([1], to: needed)
        let left = stage.path(for: "a.tar.gz")
        #expect(left == stage.folder + "/a-2.tar.gz")
        try StatusFileWriter.writeAtomically([1], to: left)
        try StatusFileWriter.writeAtomically([1], to: left + ".part")
        #expect(stage.sweep(keeping: [needed]) == 1)
        #expect(FileCheck.exists(needed) && ArchiveManifest.load(forArchive: needed) != nil)
        #expect(!FileCheck.exists(left) && !FileCheck.exists(left + ".part"))
        #expect(stage.limit().bytes > 0)
    }

    /// libarchive is loaded when first needed; without it an archive fails with the reason
    /// and what to install, and the agent goes on.
    @Test func aMissingLibarchiveIsNamedWithWhatToInstall() {
        guard case .failure(.failed(let message)) = LibArchive.load("libarchive-missing.so.99") else {
            Issue.record("a library that does not exist was loaded")
            return
        }
        #expect(message.contains("libarchive-missing.so.99") && message.contains("apt-get install libarchive13"))
        guard case .success = LibArchive.shared else {
            Issue.record("the installed libarchive was not loaded")
            return
        }
    }
}
