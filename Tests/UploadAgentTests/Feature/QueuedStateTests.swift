import Testing
@testable import UploadAgent

/// A started file that waits for a free slot shows QUEUED in the status file, and only
/// there: on the wire it is UPLOADING, the state a Kanto backend knows.
@Suite struct QueuedStateTests {
    @Test func aStartedFileWaitingForASlotIsQueuedInTheStatusFileOnly() async {
        let harness = FeatureHarness(transport: ScriptedTransport(hang: true)) { config in
            config.maxConcurrentUploads = 1
            config.stopTimeout = 0
        }
        defer { harness.files.remove() }
        await harness.feature.handle(.connected)
        await harness.command("trigger", #"{"correlationID":"up"}"#)
        for number in 1...2 {
            await harness.command("start", #"{"correlationID":"up#\#(number)","options":{"https.url":"http://127.0.0.1:9/\#(number)"}}"#,
                                  requestId: "s\(number)")
        }
        let states = await harness.feature.statusDocument().uploads.first?.files.map(\.state)
        #expect(states == ["UPLOADING", "QUEUED"])
        #expect(harness.publisher.lastUploads().allSatisfy { $0["state"]?.stringValue == "UPLOADING" })
        await harness.feature.shutdown()
    }
}
