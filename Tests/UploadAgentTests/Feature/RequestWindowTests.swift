import Testing
@testable import UploadAgent

@Suite struct RequestWindowTests {
    @Test func beforeAnythingIsMeasuredItIsTwiceTheSlots() {
        #expect(RequestWindow(slots: 4, cap: nil).size == 8)
        #expect(RequestWindow(slots: 4, cap: 3).size == 3, "the cap wins over the floor")
    }

    @Test func itFollowsTheRoundTripAndTheFileTime() {
        var window = RequestWindow(slots: 4, cap: nil)
        window.answered(after: 0.001)
        window.uploaded(in: 0.002)
        #expect(window.size == 8, "loopback: the floor")
        var far = RequestWindow(slots: 4, cap: nil)
        far.answered(after: 0.2)
        far.uploaded(in: 0.01)
        #expect(far.size == 160, "200 ms away, 10 ms a file: 2 × 4 × 20")
        for _ in 0..<80 { far.answered(after: 0.02) }
        #expect((16...17).contains(far.size), "it shrinks again with the round trip: \(far.size)")
        var capped = RequestWindow(slots: 4, cap: 100)
        capped.answered(after: 1)
        capped.uploaded(in: 0.001)
        #expect(capped.size == 100)
    }

    @Test func nonsenseSamplesNeverBreakIt() {
        var window = RequestWindow(slots: 4, cap: nil)
        window.answered(after: .nan)
        window.uploaded(in: -5)
        #expect((8...500).contains(window.size))
        window.answered(after: .infinity)
        #expect((8...500).contains(window.size))
    }

    @Test func anUploadLeftUnansweredDoesNotHoldBackTheNext() async {
        let files = Dictionary(uniqueKeysWithValues: (1...12).map { ("f\($0).log", 10) })
        let harness = FeatureHarness(files: files, transport: ScriptedTransport(hang: true))
        defer { harness.files.remove() }
        await harness.feature.handle(.connected)
        await harness.command("trigger", #"{"correlationID":"silent"}"#, requestId: "a")
        #expect(harness.publisher.requests().count == 12, "a full window: 4 slots + 8")
        await harness.command("trigger", #"{"correlationID":"later"}"#, requestId: "b")
        let ids = harness.publisher.requests().compactMap { $0["correlationId"]?.stringValue }
        #expect(ids.filter { $0.hasPrefix("later#") } == ["later#1"], "one request for the later upload at once: \(ids)")
        await harness.command("start", #"{"correlationID":"later#1","options":{"https.url":"http://127.0.0.1:9/x"}}"#, requestId: "s")
        #expect(harness.responseStatus("s") == 204)
        #expect(await harness.eventually {
            harness.publisher.requests().compactMap { $0["correlationId"]?.stringValue }.contains("later#2")
        }, "its next file is requested as soon as the first started")
    }
}
