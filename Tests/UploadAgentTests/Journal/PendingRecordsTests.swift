import Testing
@testable import UploadAgent
#if canImport(Glibc)
import Glibc
#endif

/// Records wait as values until the writer takes them: the newest of each thing is
/// written once, and what a removal makes moot is never written.
@Suite struct PendingRecordsTests {
    func file(_ id: String, _ state: UploadState) -> JournalEntry {
        var file = FileRecord(correlationId: id, parentId: String(id.prefix { $0 != "#" }), path: "/d/\(id)", size: 1)
        file.state = state
        return .file(file)
    }

    func describe(_ entries: [JournalEntry]) -> [String] {
        entries.map { entry in
            switch entry {
            case .file(let file): return "\(file.correlationId)=\(file.state.rawValue)"
            case .upload(let upload): return "upload \(upload.correlationId)=\(upload.state.rawValue)"
            case .removeUpload(let id): return "remove \(id)"
            default: return "other"
            }
        }
    }

    @Test func theNewestRecordOfEachThingIsWrittenOnceInItsFirstPlace() {
        let pending = PendingRecords<JournalEntry>()
        pending.add(.upload(UploadRecord(correlationId: "up", startTime: 0, fileCount: 2)))
        pending.add(file("up#1", .pending))
        pending.add(file("up#2", .pending))
        pending.add(file("up#1", .uploading))
        pending.add(file("up#1", .success))
        let taken = pending.take()
        #expect(taken.snapshot == nil)
        #expect(describe(taken.entries) == ["upload up=PENDING", "up#1=SUCCESS", "up#2=PENDING"])
        #expect(pending.take().entries.isEmpty)
    }

    @Test func aRemovalDropsThePendingRecordsOfItsUploadOnly() {
        let pending = PendingRecords<JournalEntry>()
        pending.add(.upload(UploadRecord(correlationId: "up", startTime: 0, fileCount: 1)))
        pending.add(file("up#1", .success))
        pending.add(file("up2#1", .uploading))
        pending.add(.removeUpload(id: "up"))
        // The same id triggered again after its removal: written after the removal.
        pending.add(.upload(UploadRecord(correlationId: "up", startTime: 1, fileCount: 1)))
        pending.add(file("up#1", .pending))
        #expect(describe(pending.take().entries) == ["up2#1=UPLOADING", "remove up", "upload up=PENDING", "up#1=PENDING"])
    }

    @Test func aSnapshotDropsWhatWasPendingBeforeIt() {
        let pending = PendingRecords<JournalEntry>()
        pending.add(file("up#1", .pending))
        pending.replaceAll(with: [file("up#1", .uploading)])
        pending.add(file("up#1", .success))
        let taken = pending.take()
        #expect(describe(taken.snapshot ?? []) == ["up#1=UPLOADING"])
        #expect(describe(taken.entries) == ["up#1=SUCCESS"])
    }

    @Test func startOptionsOfAnUploadThatEndsWithinABatchNeverReachTheDisk() throws {
        let directory = TemporaryFiles([:])
        defer { directory.remove() }
        let path = "\(directory.directory)/\(CredentialStore.fileName)"
        let store = CredentialStore(stateDir: directory.directory) { _ in }
        store.set(["https.url": "https://h/o?sig=SECRET"], for: "up#1")
        store.remove("up#1")
        store.removeFileIfEmpty()
        store.sync()
        #expect(!FileCheck.exists(path))

        // Options still in use are on disk after the batch, and read back by a new run.
        store.set(["https.url": "https://h/o?sig=KEPT"], for: "up#2")
        store.sync()
        guard case .success(let contents) = AppendLog.read(path: path) else { Issue.record("unreadable"); return }
        #expect(contents.records.contains { String(decoding: $0, as: UTF8.self).contains("KEPT") })
        let restarted = CredentialStore(stateDir: directory.directory) { _ in }
        restarted.load { Issue.record("\($0)") }
        #expect(restarted.options["up#2"]?["https.url"] == "https://h/o?sig=KEPT")
    }
}
