import Testing
@testable import UploadAgent

/// A started file that waits for a free slot shows QUEUED in the status file, and only
/// there: on the wire it is UPLOADING, the state a Kanto backend knows.
@Suite struct QueuedStateTests {
    @Test func aStartedFileWaitingForASlotIsQueuedInTheStatusFileOnly() async {
        let harness = await Self.allStarted(files: ["a.log": 1000, "b.log": 3000], smallUploads: 1)
        let states = await harness.feature.statusDocument().uploads.first?.files.map(\.state)
        #expect(states == ["UPLOADING", "QUEUED"])
        #expect(harness.publisher.lastUploads().allSatisfy { $0["state"]?.stringValue == "UPLOADING" })
        await Self.end(harness)
    }

    /// Small files run beyond `maxConcurrentUploads` (their time is the endpoint's round
    /// trip); a large file takes a slot only while fewer than `maxConcurrentUploads` run.
    @Test func smallFilesRunBesideTheSlotsAndLargeOnesWaitForOne() async {
        let large = Int(UploadSlots.smallFileSize) + 1
        let harness = await Self.allStarted(files: ["a.log": large, "b.log": 1000, "c.log": 2000, "d.log": large])
        let files = await harness.feature.statusDocument().uploads.first?.files ?? []
        let states = Dictionary(uniqueKeysWithValues: files.map { (String($0.path.split(separator: "/").last!), $0.state) })
        #expect(states == ["a.log": "UPLOADING", "b.log": "UPLOADING", "c.log": "UPLOADING", "d.log": "QUEUED"],
                "the first large file and both small ones run, the second large one waits")
        await Self.end(harness)
    }

    /// A small file to be gzipped first waits for a slot like a large one: its copy is CPU
    /// work, which more at once would not speed up.
    @Test func smallFilesToCompressKeepToTheSlots() async {
        let harness = await Self.allStarted(files: ["a.log": 1000, "b.log": 3000], trigger: #"{"upload.compress":"gzip"}"#)
        let states = await harness.feature.statusDocument().uploads.first?.files.map(\.state)
        #expect(states == ["UPLOADING", "QUEUED"])
        await Self.end(harness)
    }

    /// One slot (`maxConcurrentUploads` 1), transfers that never end, and every file of one
    /// trigger started in turn.
    private static func allStarted(files: [String: Int], smallUploads: Int? = nil,
                                   trigger options: String = "{}") async -> FeatureHarness {
        let harness = FeatureHarness(files: files, transport: ScriptedTransport(hang: true)) { config in
            config.maxConcurrentUploads = 1
            if let smallUploads { config.maxConcurrentSmallUploads = smallUploads }
            config.stopTimeout = 0
        }
        await harness.feature.handle(.connected)
        await harness.command("trigger", #"{"correlationID":"up","options":\#(options)}"#)
        for number in 1...files.count {
            await harness.command("start", #"{"correlationID":"up#\#(number)","options":{"https.url":"http://127.0.0.1:9/\#(number)"}}"#,
                                  requestId: "s\(number)")
        }
        return harness
    }

    private static func end(_ harness: FeatureHarness) async {
        await harness.feature.shutdown()
        harness.files.remove()
    }
}
