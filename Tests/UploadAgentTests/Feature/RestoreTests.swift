import Testing
@testable import UploadAgent
#if canImport(Glibc)
import Glibc
#endif

/// A restarted agent, played by a second feature on the same state folder.
@Suite struct RestoreTests {

    /// Found by the simulator: generated ids counted from the clock at start, so a restart
    /// in the same second, or with the clock set back, named a new upload like one the
    /// backend had already seen end.
    @Test func generatedIdsNeverRepeatAcrossARestartWithTheClockSetBack() async {
        let state = TemporaryFiles([:])
        defer { state.remove() }
        let before = FeatureHarness(files: ["a.log": 10], clock: TestClock(now: 5000), stateDir: state.directory)
        defer { before.files.remove() }
        await before.feature.restore()
        await before.feature.handle(.connected)
        await before.command("trigger", "{}")
        #expect(await before.eventually { before.publisher.requests().count == 1 })
        #expect(before.publisher.requests().first?["correlationId"]?.stringValue == "upload-id-5000#1")
        await before.feature.onDisk()

        let after = FeatureHarness(clock: TestClock(now: 4000), stateDir: state.directory, reusing: before.files)
        await after.feature.restore()
        await after.feature.handle(.connected)
        await after.command("trigger", "{}", requestId: "again")
        #expect(await after.eventually { after.publisher.requests().contains { $0["correlationId"]?.stringValue == "upload-id-5001#1" } })
    }

    @Test func aRunningUploadResumesAfterACrash() async {
        let state = TemporaryFiles([:])
        defer { state.remove() }
        let before = FeatureHarness(files: ["a.log": 1000], transport: ScriptedTransport(hang: true), stateDir: state.directory)
        defer { before.files.remove() }
        await before.feature.restore()
        await before.feature.handle(.connected)
        await before.command("trigger", #"{"correlationID":"up"}"#)
        await before.command("start", #"{"correlationID":"up#1","options":{"https.url":"http://127.0.0.1:9/a?sig=SECRET"}}"#)
        #expect(await before.eventually { before.transport.sent.withLock { !$0.isEmpty } })
        await before.feature.onDisk()

        let after = FeatureHarness(stateDir: state.directory, reusing: before.files)
        await after.feature.restore()
        await after.feature.handle(.connected)
        let done = await after.eventually { after.publisher.lastUploads().last?["state"]?.stringValue == "SUCCESS" }
        #expect(done)
        #expect(after.transport.sent.withLock { $0.map(\.url) } == ["http://127.0.0.1:9/a?sig=SECRET"])
        #expect(after.publisher.requests().isEmpty, "options still valid: no new request")
        await after.feature.onDisk()
        #expect(!FileCheck.exists("\(state.directory)/\(CredentialStore.fileName)"), "credentials outlived the upload")
    }

    @Test func expiredCredentialsAreAskedForAgainWithTheSameFileId() async {
        let state = TemporaryFiles([:])
        defer { state.remove() }
        // Signed on 2001-01-01 for an hour; the agent comes back two hours later.
        let signedAt = 978_307_200.0
        let before = FeatureHarness(files: ["a.log": 1000], transport: ScriptedTransport(hang: true),
                                    clock: TestClock(now: signedAt + 10), stateDir: state.directory)
        defer { before.files.remove() }
        await before.feature.restore()
        await before.feature.handle(.connected)
        await before.command("trigger", #"{"correlationID":"up"}"#)
        await before.command("start", #"{"correlationID":"up#1","options":{"https.url":"http://127.0.0.1:9/a?X-Amz-Date=20010101T000000Z&X-Amz-Expires=3600"}}"#)
        #expect(await before.eventually { before.transport.sent.withLock { !$0.isEmpty } })
        await before.feature.onDisk()

        let after = FeatureHarness(clock: TestClock(now: signedAt + 7200), stateDir: state.directory, reusing: before.files)
        await after.feature.restore()
        await after.feature.handle(.connected)
        #expect(after.publisher.requests().map { $0["correlationId"]?.stringValue } == ["up#1"])
        await after.command("start", #"{"correlationID":"up#1","options":{"https.url":"http://127.0.0.1:9/new"}}"#, requestId: "again")
        #expect(await after.eventually { after.responseStatus("again") == 204 })
        #expect(await after.eventually { after.publisher.lastUploads().last?["state"]?.stringValue == "SUCCESS" })
        #expect(after.transport.sent.withLock { $0.map(\.url) } == ["http://127.0.0.1:9/new"])
    }

    @Test func aFileUploadedJustBeforeACrashIsStillDeleted() async {
        let state = TemporaryFiles([:])
        defer { state.remove() }
        let files = TemporaryFiles(["a.log": 10, "b.log": 10])
        defer { files.remove() }
        let identityA = FileIdentity.of(path: "\(files.directory)/a.log")!
        var changedB = FileIdentity.of(path: "\(files.directory)/b.log")!
        changedB.modified -= 1_000_000_000
        var upload = UploadRecord(correlationId: "up", startTime: 1, fileCount: 2)
        upload.state = .uploading
        var a = FileRecord(correlationId: "up#1", parentId: "up", path: "\(files.directory)/a.log", size: 10, identity: identityA)
        a.state = .success
        a.transferred = 10
        a.deletePending = true
        var b = a
        b.correlationId = "up#2"
        b.path = "\(files.directory)/b.log"
        b.identity = changedB
        let journal = UploadJournal(stateDir: state.directory) { _ in }
        journal.compact([.upload(upload), .file(a), .file(b)])
        journal.sync()

        let harness = FeatureHarness(stateDir: state.directory, reusing: files) { $0.delete = true }
        await harness.feature.restore()
        #expect(!FileCheck.exists(a.path), "unchanged and uploaded: deleted")
        #expect(FileCheck.exists(b.path), "changed since it was read: kept")
        await harness.feature.handle(.connected)
        #expect(await harness.eventually { harness.publisher.lastUploads().last?["state"]?.stringValue == "SUCCESS" })
    }

    @Test func theActivationWindowSurvives() async {
        let state = TemporaryFiles([:])
        defer { state.remove() }
        let before = FeatureHarness(stateDir: state.directory) { $0.period = 3600 }
        defer { before.files.remove() }
        await before.feature.restore()
        await before.feature.handle(.connected)
        await before.command("activate", #"{"from":"2001-01-01T00:00:00Z","to":"2999-01-01T00:00:00Z"}"#, requestId: "on")
        #expect(await before.eventually { before.responseStatus("on") == 204 })
        await before.feature.onDisk()
        let after = FeatureHarness(stateDir: state.directory, reusing: before.files) { $0.period = 3600 }
        await after.feature.restore()
        await after.feature.handle(.connected)
        let registration = after.publisher.all.first { $0.value["path"]?.stringValue == "/features/AutoUploadable" }
        let autoUpload = registration?.value["value"]?["properties"]?["autoUpload"]
        #expect(autoUpload?["active"]?.boolValue == true)
        #expect(autoUpload?["endTime"]?.stringValue == "2999-01-01T00:00:00Z")
    }
}
