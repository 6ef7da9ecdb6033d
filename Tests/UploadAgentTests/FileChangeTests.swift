import Testing
@testable import UploadAgent

/// What an active log may do between its selection and a resume: grow (its first N bytes go
/// out as selected), or be truncated, replaced or written over (the resume is refused, saying which).
@Suite struct FileChangeTests {
    let selected = FileIdentity(device: 1, inode: 7, size: 1000, modified: 5)

    func changed(inode: UInt64 = 7, size: Int64 = 1000, modified: Int64 = 5) -> FileChange {
        FileChange(from: selected, to: FileIdentity(device: 1, inode: inode, size: size, modified: modified))
    }

    @Test func growingKeepsTheSelectedBytesAndNothingElseDoes() {
        #expect(changed() == .unchanged && changed().keepsSelectedBytes)
        #expect(changed(size: 1500, modified: 9) == .grew(to: 1500) && changed(size: 1500, modified: 9).keepsSelectedBytes)
        #expect(changed(size: 10, modified: 9) == .truncated(to: 10))
        #expect(changed(inode: 8) == .replaced && changed(inode: 8, size: 2000) == .replaced)
        #expect(changed(modified: 9) == .rewritten)
        for change in [changed(size: 10), changed(inode: 8), changed(modified: 9)] { #expect(!change.keepsSelectedBytes) }
    }

    @Test func aRefusedResumeSaysWhatHappened() {
        #expect(changed(size: 10).resumeRefusal(selectedSize: 1000)
            == "the file changed since its upload began: it was truncated from 1000 to 10 bytes, so it was not resumed")
        #expect(changed(inode: 8).resumeRefusal(selectedSize: 1000).contains("another inode"))
        #expect(changed(modified: 9).resumeRefusal(selectedSize: 1000).contains("written over"))
    }
}
