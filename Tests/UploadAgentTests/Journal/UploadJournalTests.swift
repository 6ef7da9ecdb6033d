import Logging
import Testing
@testable import UploadAgent
#if canImport(Glibc)
import Glibc
#endif

@Suite struct UploadJournalTests {
    func sampleUpload() -> (UploadRecord, [FileRecord]) {
        var upload = UploadRecord(correlationId: "up", startTime: 1_700_000_000, fileCount: 2)
        upload.state = .uploading
        upload.requestOptions = ["region": "eu"]
        var first = FileRecord(correlationId: "up#1", parentId: "up", path: "/var/log/a.log", size: 20 << 20)
        first.state = .uploading
        first.serverProgress = .s3Multipart(S3MultipartState(uploadId: "u-1", bucket: "b", key: "k", fileSize: 20 << 20,
                                                             partSize: 8 << 20, completedParts: [1: "\"e1\""]))
        let second = FileRecord(correlationId: "up#2", parentId: "up", path: "/var/log/b.log", size: 10)
        return (upload, [first, second])
    }

    @Test func replaysWhatWasRecorded() {
        let directory = TemporaryFiles([:])
        defer { directory.remove() }
        let (upload, files) = sampleUpload()
        let journal = UploadJournal(stateDir: directory.directory) { _ in }
        journal.compact([])
        journal.record(.window(PersistedWindow(window: ActivationWindow(from: 1, to: nil, period: 60), lastRun: 5)))
        journal.record(.upload(upload))
        journal.record(contentsOf: files.map(JournalEntry.file))
        journal.sync()

        var problems: [String] = []
        let state = UploadJournal(stateDir: directory.directory) { _ in }.load(now: 0) { problems.append($0) }
        #expect(problems.isEmpty)
        #expect(state.window?.lastRun == 5)
        #expect(state.uploads.map(\.correlationId) == ["up"])
        #expect(state.files["up#1"]?.serverProgress == files[0].serverProgress)
        #expect(state.files["up#2"]?.path == "/var/log/b.log")
    }

    @Test func removedUploadsAreGone() {
        let directory = TemporaryFiles([:])
        defer { directory.remove() }
        let (upload, files) = sampleUpload()
        let journal = UploadJournal(stateDir: directory.directory) { _ in }
        journal.compact([.upload(upload)] + files.map(JournalEntry.file))
        journal.record(.removeUpload(id: "up"))
        journal.sync()
        let state = UploadJournal(stateDir: directory.directory) { _ in }.load(now: 0) { _ in }
        #expect(state.uploads.isEmpty && state.files.isEmpty)
    }

    @Test(arguments: ["garbage", "wrongVersion", "folder", "empty", "damagedMiddle"])
    func aDamagedJournalIsMovedAsideAndNeverStopsTheAgent(_ damage: String) throws {
        let directory = TemporaryFiles([:])
        defer { directory.remove() }
        let path = "\(directory.directory)/\(UploadJournal.fileName)"
        let (upload, files) = sampleUpload()
        switch damage {
        case "garbage":
            let file = fopen(path, "w")!
            fputs("\u{01}\u{02} this is not a journal\n{\"header\":", file)
            fclose(file)
        case "wrongVersion":
            let journal = UploadJournal(stateDir: directory.directory) { _ in }
            journal.compact([])
            journal.sync()
            let file = fopen(path, "w")!
            let line = AppendLog.frame(Array(#"{"header":{"version":99}}"#.utf8))
            fwrite(line, 1, line.count, file)
            fclose(file)
        case "folder":
            mkdir(path, 0o755)
        case "empty":
            fclose(fopen(path, "w")!)
        default:
            let journal = UploadJournal(stateDir: directory.directory) { _ in }
            journal.compact([.upload(upload)] + files.map(JournalEntry.file))
            journal.sync()
            let file = fopen(path, "r+")!
            fseek(file, 40, SEEK_SET)
            fputs("XXXX", file)
            fclose(file)
        }
        var problems: [String] = []
        let state = UploadJournal(stateDir: directory.directory) { _ in }.load(now: 0) { problems.append($0) }
        if damage == "empty" {
            #expect(problems.isEmpty)
            return
        }
        #expect(problems.first?.contains(path) == true, "\(problems)")
        #expect(problems.first?.contains("damaged-") == true, "\(problems)")
        if damage == "damagedMiddle" {
            // The header survived, the damaged upload record did not; the files did, so
            // the upload is known and ends FAILED saying why, instead of vanishing.
            #expect(problems.count == 2)
            #expect(problems.last?.contains("upload(s) up:") == true, "\(problems)")
            #expect(state.files.count == 2)
            #expect(state.uploads.map(\.correlationId) == ["up"])
            #expect(state.uploads.first?.state == .failed)
            #expect(state.uploads.first?.message == JournalState.lostUploadMessage)
        } else {
            #expect(problems.count == 1)
            #expect(state.uploads.isEmpty)
        }
    }

    @Test func credentialsAreKeptInA0600FileThatGoesWhenEmpty() {
        let directory = TemporaryFiles([:])
        defer { directory.remove() }
        let store = CredentialStore(stateDir: directory.directory) { _ in }
        store.set(["https.url": "https://h/x?sig=SECRET"], for: "up#1")
        store.sync()
        var info = stat()
        #expect(stat("\(directory.directory)/\(CredentialStore.fileName)", &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let reread = CredentialStore(stateDir: directory.directory) { _ in }
        reread.load { _ in }
        #expect(reread.options["up#1"]?["https.url"] == "https://h/x?sig=SECRET")
        reread.remove("up#1")
        reread.removeFileIfEmpty()
        reread.sync()
        #expect(!FileCheck.exists("\(directory.directory)/\(CredentialStore.fileName)"))
    }

    @Test func registryKeepsRunningSums() {
        var registry = UploadRegistry()
        let (upload, files) = sampleUpload()
        registry.insert(upload, files: files)
        #expect(registry.upload("up")?.totals.totalBytes == Int64(20 << 20) + 10)
        registry.updateFile("up#2") { $0.transferred = 10; $0.state = .success }
        registry.updateFile("up#1") { $0.transferred = 10 << 20 }
        let totals = registry.upload("up")!.totals
        #expect(totals.doneBytes == Int64(10 << 20) + 10)
        #expect(totals.count(.success) == 1 && totals.count(.uploading) == 1)
        #expect(registry.upload("up")!.progress == 50)
        registry.updateUpload("up") { $0.state = .success }
        #expect(registry.live.isEmpty)
    }
}
