import Testing
@testable import UploadAgent

/// Each test here failed (most by trapping the whole daemon) before the fix it guards.
@Suite struct ReviewRegressionTests {
    let parser = CommandParser(thing: ThingID("edge:device")!, featureId: "AutoUploadable")

    func operation(_ name: String, _ value: String) -> Result<Operation, OperationError>? {
        let payload = #"{"topic":"edge/device/things/live/messages/\#(name)","path":"/features/AutoUploadable/inbox/messages/\#(name)","value":\#(value)}"#
        if case .inbox(let message) = parser.parse(topic: "command//edge:device/req//\(name)", payload: Array(payload.utf8)) {
            return message.operation
        }
        return nil
    }

    @Test func hugeNumbersFromTheNetworkDoNotTrap() {
        #expect(operation("cancel", #"{"correlationID":"u","statusCode":1e300}"#)
                == .success(.cancel(correlationId: "u", statusCode: "1e+300", message: "")))
        guard case .failure(let error)? = operation("activate", #"{"from":1e25}"#) else {
            Issue.record("accepted a time beyond the year 9999")
            return
        }
        #expect(error.status == 400)
        guard case .failure? = operation("activate", #"{"from":"1e400"}"#) else {
            Issue.record("accepted an infinite time")
            return
        }
        #expect(JSONValue.number(-1e300).plainText == "-1e+300")
    }

    @Test func timeFormattingIsTotal() {
        #expect(RFC3339.format(1e300) == "9999-12-31T23:59:59Z")
        #expect(RFC3339.format(-1e30) == "0000-01-01T00:00:00Z")
        _ = RFC3339.format(.nan)
        _ = RFC3339.format(-.infinity)
        #expect(throws: UploadFailure.self) { try PresignedURLExpiry.check("https://h/x?Expires=-1e30", now: 0) }
    }

    @Test func hugeRatesAreRefusedNotTrapped() {
        #expect(ByteRate.parse("99999999999999999999") == nil)
        #expect(ByteRate.parse("1e30MB") == nil)
        #expect(throws: InvalidStartOptions.self) {
            _ = try GenericHTTPProvider(options: ["https.url": "http://h/", "https.max.bandwidth": "99999999999999999999"],
                                        context: ProviderContext(transport: ScriptedTransport(), checksum: false,
                                                                 deviceId: "a:b", now: { 0 }))
        }
    }

    @Test func resumableRangeFromTheServerIsChecked() {
        let overflow = HTTPResponse(status: 308, headers: ["range": "bytes=0-9223372036854775807"])
        #expect(ResumableSession.persistedEnd(overflow) == 0)
        #expect(throws: UploadFailure.self) { try ResumableSession.checkedPersisted(2_000, total: 1_000, url: "http://h/") }
        #expect((try? ResumableSession.checkedPersisted(1_000, total: 1_000, url: "http://h/")) == 1_000)
    }

    @Test func scopedModeRefusesDotDot() {
        let selector = FileSelector(configuredGlob: "/var/*/*", mode: .scoped)
        #expect(throws: OperationError.self) { try selector.select(requestedGlob: "/var/log/../../etc/hostname") }
    }

    @Test func redactionWorksBesideNonASCIIText() {
        let text = SecretRedactor.redact("İstanbul ẞ upload to https://h/x?sig=TOPSECRET failed")
        #expect(!text.contains("TOPSECRET"), "\(text)")
        #expect(UploadFailure("HTTP 403: <Error>sig=ABCDEF</Error>").message.contains("ABCDEF") == false)
    }

    @Test func closedWindowIsReportedInactive() async {
        let harness = FeatureHarness { $0.period = 0.01 }
        defer { harness.files.remove() }
        await harness.feature.handle(.connected)
        await harness.command("activate", #"{"from":957139200,"to":959817599}"#, requestId: "old")
        let inactive = await harness.eventually {
            harness.publisher.all.last { $0.value["path"]?.stringValue?.hasSuffix("/autoUpload") == true }?
                .value["value"]?["active"]?.boolValue == false
        }
        #expect(inactive)
    }

    @Test func buffered_lastUpload_isReplayedInTheOrderItHappened() async {
        let harness = FeatureHarness(files: ["a.log": 10])
        defer { harness.files.remove() }
        await harness.feature.handle(.connected)
        await harness.command("trigger", #"{"correlationID":"zz-first"}"#)
        await harness.command("trigger", #"{"correlationID":"aa-second"}"#)
        harness.publisher.online.store(false, ordering: .relaxed)
        await harness.feature.handle(.disconnected(reason: "test"))
        await harness.command("cancel", #"{"correlationID":"zz-first"}"#)
        await harness.command("cancel", #"{"correlationID":"aa-second"}"#)
        harness.publisher.online.store(true, ordering: .relaxed)
        await harness.feature.handle(.connected)
        #expect(harness.publisher.lastUploads().last?["correlationId"]?.stringValue == "aa-second")
    }
}

@Suite struct UnstartedUploadExpiryTests {
    @Test func requestsNeverAnsweredFailTheirFilesAfterRequestTimeout() async {
        let clock = TestClock(now: 1_000_000)
        let harness = FeatureHarness(clock: clock) { $0.requestTimeout = 60 }
        defer { harness.files.remove() }
        await harness.feature.handle(.connected)
        await harness.command("trigger", #"{"correlationID":"ignored"}"#, requestId: "1")
        await harness.command("start", #"{"correlationID":"ignored#1","options":{"https.url":"http://127.0.0.1:9/"}}"#, requestId: "s")
        clock.advance(by: 30)
        _ = await harness.feature.step { $0.housekeep() }
        #expect(harness.publisher.lastUploads().allSatisfy { $0["state"]?.stringValue != "FAILED" })
        clock.advance(by: 31)
        _ = await harness.feature.step { $0.housekeep() }
        let failed = await harness.eventually {
            harness.publisher.lastUploads().contains { $0["correlationId"]?.stringValue == "ignored" && $0["state"]?.stringValue == "FAILED" }
        }
        #expect(failed)
        let expired = harness.publisher.lastUploads().last { $0["state"]?.stringValue == "FAILED" }
        // The started file went on; only the unanswered one failed, by name.
        #expect(expired?["message"]?.stringValue?.contains("b.log: the backend sent no 'start'") == true)
        #expect(expired?["progress"]?.numberValue == 25)
    }
}
