import Testing
@testable import UploadAgent
#if canImport(Glibc)
import Glibc
#endif

@Suite struct OpenedFileTests {
    func firstBytes(_ descriptor: Int32) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 4)
        let got = pread(descriptor, &buffer, buffer.count, 0)
        return Array(buffer.prefix(max(0, got)))
    }

    /// Every request reads the file that was opened and checked, even once its name
    /// leads elsewhere: the reads go through a duplicate of the checked descriptor.
    @Test func readsTheOpenedFileNotWhatTheNameLeadsToLater() throws {
        let files = TemporaryFiles(["data": 4, "other": 0])
        defer { files.remove() }
        let opened = try OpenedFile.open("\(files.directory)/data")
        #expect(opened.readPath.hasPrefix("/proc/self/fd/"))
        rename("\(files.directory)/other", "\(files.directory)/data")

        let descriptor = OpenedFile.openForReading(opened.readPath)
        #expect(descriptor >= 0 && descriptor != opened.descriptor)
        defer { close(descriptor) }
        #expect(firstBytes(descriptor) == Array("AAAA".utf8))

        let byName = OpenedFile.openForReading("\(files.directory)/data")
        defer { close(byName) }
        #expect(firstBytes(byName).isEmpty)
        #expect(OpenedFile.openForReading("\(files.directory)/missing") < 0)
    }
}
