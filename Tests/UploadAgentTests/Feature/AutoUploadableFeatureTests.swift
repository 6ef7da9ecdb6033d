import Testing
@testable import UploadAgent
#if canImport(Glibc)
import Glibc
#endif

@Suite struct AutoUploadableFeatureTests {
    @Test func registersOnEveryConnect() async {
        let harness = FeatureHarness()
        defer { harness.files.remove() }
        await harness.feature.handle(.connected)
        await harness.feature.handle(.disconnected(reason: "test"))
        await harness.feature.handle(.connected)
        let registrations = harness.publisher.all.filter { $0.value["path"]?.stringValue == "/features/AutoUploadable" }
        #expect(registrations.count == 2)
        #expect(registrations.first?.value["topic"]?.stringValue == "edge/device/things/twin/commands/modify")
    }

    @Test func triggerStartSucceeds() async {
        let harness = FeatureHarness()
        defer { harness.files.remove() }
        await harness.feature.handle(.connected)
        await harness.command("trigger", #"{"correlationID":"up","options":{"options.region":"eu"}}"#, requestId: "t")
        #expect(harness.responseStatus("t") == 204)
        let requests = harness.publisher.requests()
        #expect(requests.map { $0["correlationId"]?.stringValue } == ["up#1", "up#2"])
        #expect(requests.first?["options"]?["region"]?.stringValue == "eu")
        #expect(requests.first?["options"]?["file.path"]?.stringValue == "\(harness.files.directory)/a.log")

        await harness.command("start", #"{"correlationID":"up#1","options":{"https.url":"http://127.0.0.1:9/a"}}"#, requestId: "s1")
        await harness.command("start", #"{"correlationID":"up#2","options":{"https.url":"http://127.0.0.1:9/b","info.k":"v"}}"#, requestId: "s2")
        #expect(harness.responseStatus("s1") == 204 && harness.responseStatus("s2") == 204)
        let done = await harness.eventually { harness.publisher.lastUploads().last?["state"]?.stringValue == "SUCCESS" }
        #expect(done)
        let statuses = harness.publisher.lastUploads()
        let progress = statuses.compactMap { $0["progress"]?.numberValue }
        #expect(progress == progress.sorted(), "progress went back: \(progress)")
        #expect(progress.filter { $0 == 100 }.count == 1)
        #expect(statuses.last?["info"]?["k"]?.stringValue == "v")
        await harness.command("start", #"{"correlationID":"up#1","options":{"https.url":"http://127.0.0.1:9/a"}}"#, requestId: "again")
        #expect(harness.responseStatus("again") == 404)
    }

    @Test func startErrors() async {
        let harness = FeatureHarness()
        defer { harness.files.remove() }
        await harness.feature.handle(.connected)
        await harness.command("trigger", #"{"correlationID":"up"}"#)
        await harness.command("start", #"{"correlationID":"nope","options":{}}"#, requestId: "unknown")
        #expect(harness.responseStatus("unknown") == 404)
        await harness.command("start", #"{"correlationID":"up#1","options":{"https.url":"file:///etc/passwd"}}"#, requestId: "file")
        #expect(harness.responseStatus("file") == 400)
        await harness.command("start", #"{"correlationID":"up#1","options":{"storage.provider":"ftp"}}"#, requestId: "ftp")
        #expect(harness.responseStatus("ftp") == 400)
        await harness.command("start", #"{"correlationID":"up#1","options":{"https.url":"http://127.0.0.1:9/"}}"#, requestId: "ok")
        await harness.command("start", #"{"correlationID":"up#1","options":{"https.url":"http://127.0.0.1:9/"}}"#, requestId: "twice")
        #expect(harness.responseStatus("ok") == 204)
        #expect(harness.responseStatus("twice") == 500)
        #expect(harness.transport.sent.withLock { $0.allSatisfy { !$0.url.hasPrefix("file:") } })
    }

    @Test func failedFileFailsTheUploadWithItsName() async {
        let harness = FeatureHarness(files: ["a.log": 10], transport: ScriptedTransport(status: 403))
        defer { harness.files.remove() }
        await harness.feature.handle(.connected)
        await harness.command("trigger", #"{"correlationID":"up"}"#)
        await harness.command("start", #"{"correlationID":"up#1","options":{"https.url":"http://127.0.0.1:9/x?sig=SECRET"}}"#)
        let failed = await harness.eventually { harness.publisher.lastUploads().last?["state"]?.stringValue == "FAILED" }
        #expect(failed)
        let message = harness.publisher.lastUploads().last?["message"]?.stringValue ?? ""
        #expect(message.contains("a.log") && message.contains("403"), "\(message)")
        #expect(!message.contains("SECRET"))
    }

    @Test func cancelEndsTheParentWithCodeAndMessage() async {
        let harness = FeatureHarness(transport: ScriptedTransport(hang: true))
        defer { harness.files.remove() }
        await harness.feature.handle(.connected)
        await harness.command("trigger", #"{"correlationID":"up"}"#)
        await harness.command("start", #"{"correlationID":"up#1","options":{"https.url":"http://127.0.0.1:9/"}}"#)
        await harness.command("cancel", #"{"correlationID":"up#1","statusCode":400,"message":"operator said so"}"#, requestId: "c")
        #expect(harness.responseStatus("c") == 204)
        let last = harness.publisher.lastUploads().last
        #expect(last?["state"]?.stringValue == "CANCELED")
        #expect(last?["statusCode"]?.stringValue == "400")
        #expect(last?["message"]?.stringValue == "operator said so")
        await harness.command("cancel", #"{"correlationID":"never"}"#, requestId: "unknown")
        #expect(harness.responseStatus("unknown") == 404)
    }

    @Test func singleUploadRefusesOnlyWhileUploadingUnlessForced() async {
        let harness = FeatureHarness(transport: ScriptedTransport(hang: true)) { $0.singleUpload = true }
        defer { harness.files.remove() }
        await harness.feature.handle(.connected)
        await harness.command("trigger", #"{"correlationID":"one"}"#, requestId: "1")
        // As Kanto: an upload that only waits for its start does not block a new one.
        await harness.command("trigger", #"{"correlationID":"waiting"}"#, requestId: "w")
        await harness.command("start", #"{"correlationID":"one#1","options":{"https.url":"http://127.0.0.1:9/"}}"#, requestId: "s")
        await harness.command("trigger", #"{"correlationID":"two"}"#, requestId: "2")
        await harness.command("trigger", #"{"correlationID":"three","options":{"force":"true"}}"#, requestId: "3")
        #expect(harness.responseStatus("1") == 204)
        #expect(harness.responseStatus("w") == 204)
        #expect(harness.responseStatus("s") == 204)
        #expect(harness.responseStatus("2") == 500)
        #expect(harness.responseStatus("3") == 204)
    }

    @Test func fileModes() async {
        let harness = FeatureHarness { $0.mode = .strict }
        defer { harness.files.remove() }
        await harness.feature.handle(.connected)
        await harness.command("trigger", #"{"options":{"upload.files":"/etc/*"}}"#, requestId: "strict")
        #expect(harness.responseStatus("strict") == 400)
        #expect(harness.publisher.requests().isEmpty)

        let scoped = FeatureHarness { $0.mode = .scoped }
        defer { scoped.files.remove() }
        await scoped.feature.handle(.connected)
        await scoped.command("trigger", #"{"options":{"upload.files":"\#(scoped.files.directory)/b*"}}"#, requestId: "in")
        await scoped.command("trigger", #"{"options":{"upload.files":"/etc/host*"}}"#, requestId: "out")
        #expect(scoped.responseStatus("in") == 204)
        #expect(scoped.responseStatus("out") == 400)
        #expect(scoped.publisher.requests().count == 1)

        let lax = FeatureHarness { $0.mode = .lax }
        defer { lax.files.remove() }
        await lax.feature.handle(.connected)
        await lax.command("trigger", #"{"options":{"upload.files":"/etc/hostname"}}"#, requestId: "any")
        #expect(lax.responseStatus("any") == 204)
    }

    @Test func lastUploadIsKeptWhileDisconnectedAndSentAfter() async {
        let harness = FeatureHarness()
        defer { harness.files.remove() }
        await harness.feature.handle(.connected)
        await harness.command("trigger", #"{"correlationID":"up"}"#)
        harness.publisher.online.store(false, ordering: .relaxed)
        await harness.feature.handle(.disconnected(reason: "test"))
        await harness.command("start", #"{"correlationID":"up#1","options":{"https.url":"http://127.0.0.1:9/"}}"#)
        await harness.command("start", #"{"correlationID":"up#2","options":{"https.url":"http://127.0.0.1:9/"}}"#)
        _ = await harness.eventually { await harness.feature.core.registry.live.isEmpty }
        let before = harness.publisher.lastUploads().count
        harness.publisher.online.store(true, ordering: .relaxed)
        await harness.feature.handle(.connected)
        let after = harness.publisher.lastUploads()
        #expect(after.count == before + 1)
        #expect(after.last?["state"]?.stringValue == "SUCCESS")
    }

    /// The periods pass on the test's clock, not in real time.
    @Test func activateRunsPeriodicallyAndDeactivateStops() async {
        let clock = TestClock(now: 1_000_000)
        let harness = FeatureHarness(clock: clock) { $0.period = 60 }
        defer { harness.files.remove() }
        await harness.feature.handle(.connected)
        await harness.command("activate", "{}", requestId: "on")
        #expect(harness.responseStatus("on") == 204)
        #expect(await harness.eventually { harness.publisher.requests().count == 2 }, "the first run is at once")
        for run in 2...4 {
            clock.advance(by: 60)
            #expect(await harness.eventually { harness.publisher.requests().count == 2 * run }, "run \(run)")
        }
        #expect(await harness.feature.core.schedule.nextRunAt == 1_000_000 + 4 * 60)
        await harness.command("deactivate", "{}", requestId: "off")
        #expect(await !harness.feature.core.timers.isArmed(.activation))
        #expect(await harness.feature.core.schedule.nextRunAt == nil)
        let autoUpload = harness.publisher.all.last { $0.value["path"]?.stringValue?.hasSuffix("/autoUpload") == true }
        #expect(autoUpload?.value["value"]?["active"]?.boolValue == false)
    }

    @Test func activationWindowInThePastNeverRuns() async {
        let harness = FeatureHarness(clock: TestClock(now: 1_000_000_000)) { $0.period = 10 }
        defer { harness.files.remove() }
        await harness.feature.handle(.connected)
        await harness.command("activate", #"{"from":957139200,"to":959817599}"#, requestId: "old")
        #expect(harness.responseStatus("old") == 204)
        // The window closes at once, after the answer: nothing armed, nothing requested.
        #expect(await harness.eventually { await !harness.feature.core.schedule.isActive })
        #expect(await !harness.feature.core.timers.isArmed(.activation))
        #expect(harness.publisher.requests().isEmpty)
        let autoUpload = harness.publisher.all.filter { $0.value["path"]?.stringValue?.hasSuffix("/autoUpload") == true }
        #expect(autoUpload.compactMap { $0.value["value"]?["active"]?.boolValue } == [true, false])
    }
}

@Suite struct LastUploadCountTests {
    /// `lastUpload` follows the parent: its state changes and whole percents, not every
    /// file's start or end (a 10,000-file upload must not send 10,000 of them).
    @Test func oneLastUploadPerParentChangeNotPerFile() async {
        var files: [String: Int] = [:]
        for n in 0..<300 { files["f\(n).log"] = 100 }
        let harness = FeatureHarness(files: files) { $0.requestWindow = 400 }
        defer { harness.files.remove() }
        await harness.feature.handle(.connected)
        await harness.command("trigger", #"{"correlationID":"many"}"#)
        for n in 1...300 {
            await harness.command("start", #"{"correlationID":"many#\#(n)","options":{"https.url":"http://127.0.0.1:9/\#(n)"}}"#, requestId: "s\(n)")
        }
        #expect(await harness.eventually { harness.publisher.lastUploads().last?["state"]?.stringValue == "SUCCESS" })
        let count = harness.publisher.lastUploads().count
        #expect(count <= 110, "\(count) lastUpload messages for 300 files")
    }
}
