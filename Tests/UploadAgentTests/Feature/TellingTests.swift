import Synchronization
import Testing
@testable import UploadAgent

/// What the backend is told and when: a state only once it is on disk, an end once,
/// a progress that never goes back.
@Suite struct TellingTests {
    @Test func aFinalStateIsOnDiskBeforeItIsPublished() async {
        let state = TemporaryFiles([:])
        defer { state.remove() }
        let harness = FeatureHarness(files: ["a.log": 1000], stateDir: state.directory)
        defer { harness.files.remove() }
        let journaledAtPublish = Mutex<[String]>([])
        let directory = state.directory
        harness.publisher.observer.withLock {
            $0 = { message in
                guard message["path"]?.stringValue?.hasSuffix("/properties/lastUpload") == true,
                      message["value"]?["state"]?.stringValue == "SUCCESS" else { return }
                let onDisk = UploadJournal(stateDir: directory) { _ in }.load(now: 0) { _ in }
                let credentials = FileCheck.exists("\(directory)/\(CredentialStore.fileName)")
                journaledAtPublish.withLock {
                    $0.append((onDisk.uploads.first?.state.rawValue ?? "absent") + (credentials ? "+credentials" : ""))
                }
            }
        }
        await harness.feature.restore()
        await harness.feature.handle(.connected)
        await harness.command("trigger", #"{"correlationID":"up"}"#)
        await harness.command("start", #"{"correlationID":"up#1","options":{"https.url":"http://127.0.0.1:9/a?sig=S"}}"#)
        #expect(await harness.eventually { !journaledAtPublish.withLock { $0 }.isEmpty })
        #expect(journaledAtPublish.withLock { $0 } == ["SUCCESS"], "the journal held the end, and the credentials were gone, when it was published")
    }

    @Test func theRegistrationCarriesTheLatestLastUploadInsteadOfAnotherMessage() async {
        let harness = FeatureHarness(files: ["a.log": 1000])
        defer { harness.files.remove() }
        await harness.feature.handle(.connected)
        await harness.command("trigger", #"{"correlationID":"up"}"#)
        await harness.command("start", #"{"correlationID":"up#1","options":{"https.url":"http://127.0.0.1:9/a"}}"#)
        #expect(await harness.eventually { harness.publisher.lastUploads().last?["state"]?.stringValue == "SUCCESS" })
        for id in 1...harness.publisher.all.count { await harness.feature.handle(.acknowledged(messageId: Int32(id))) }
        let told = harness.publisher.lastUploads().count

        for _ in 0..<3 {
            await harness.feature.handle(.disconnected(reason: "cut"))
            await harness.feature.handle(.connected)
        }
        #expect(harness.publisher.lastUploads().count == told, "no lastUpload message after a reconnect")
        let registration = harness.publisher.all.last { $0.value["path"]?.stringValue == "/features/AutoUploadable" }
        #expect(registration?.value["value"]?["properties"]?["lastUpload"]?["state"]?.stringValue == "SUCCESS")
        #expect(registration?.value["value"]?["properties"]?["lastUpload"]?["correlationId"]?.stringValue == "up")
    }

    @Test func progressToldBeforeARestartNeverGoesBack() async {
        let state = TemporaryFiles([:])
        defer { state.remove() }
        let files = TemporaryFiles(["a.log": 1000])
        defer { files.remove() }
        var upload = UploadRecord(correlationId: "up", startTime: 1, fileCount: 1)
        upload.state = .uploading
        upload.toldProgress = 60
        var file = FileRecord(correlationId: "up#1", parentId: "up", path: "\(files.directory)/a.log", size: 1000,
                              identity: FileIdentity.of(path: "\(files.directory)/a.log"))
        file.state = .uploading
        let journal = UploadJournal(stateDir: state.directory) { _ in }
        journal.compact([.upload(upload), .file(file)])
        journal.sync()

        let harness = FeatureHarness(transport: ScriptedTransport(hang: true), stateDir: state.directory, reusing: files)
        await harness.feature.restore()
        await harness.feature.handle(.connected)
        #expect(await harness.eventually { !harness.publisher.lastUploads().isEmpty })
        await harness.command("start", #"{"correlationID":"up#1","options":{"https.url":"http://127.0.0.1:9/a"}}"#)
        await harness.feature.handle(.transfer(fileId: "up#1", .progress(100)))
        await harness.feature.handle(.transfer(fileId: "up#1", .progress(700)))
        #expect(await harness.eventually { harness.publisher.lastUploads().last?["progress"]?.numberValue == 70 })
        let progress = harness.publisher.lastUploads().compactMap { $0["progress"]?.numberValue }
        #expect(progress.allSatisfy { $0 >= 60 }, "told \(progress)")
        #expect(progress.first == 60)
    }

    @Test func anAcknowledgedEndLeavesTheJournalAtOnce() async {
        let state = TemporaryFiles([:])
        defer { state.remove() }
        let harness = FeatureHarness(files: ["a.log": 1000], stateDir: state.directory)
        defer { harness.files.remove() }
        await harness.feature.restore()
        await harness.feature.handle(.connected)
        await harness.command("trigger", #"{"correlationID":"gone-soon"}"#)
        await harness.command("start", #"{"correlationID":"gone-soon#1","options":{"https.url":"http://127.0.0.1:9/a"}}"#)
        #expect(await harness.eventually { harness.publisher.lastUploads().last?["state"]?.stringValue == "SUCCESS" })
        for id in 1...harness.publisher.all.count { await harness.feature.handle(.acknowledged(messageId: Int32(id))) }
        let path = "\(state.directory)/\(UploadJournal.fileName)"
        let forgotten = await harness.eventually {
            guard case .success(let contents) = AppendLog.read(path: path) else { return false }
            let records = contents.records.map { String(decoding: $0, as: UTF8.self) }
            return !records.contains { $0.hasPrefix(#"{"upload""#) || $0.hasPrefix(#"{"file""#) || $0.hasPrefix(#"{"removeUpload""#) }
        }
        #expect(forgotten, "the journal still holds the upload's records")
    }
}
