import Testing
@testable import UploadAgent

/// One phase per file: every transition moves a file out of its old phase, the counts the
/// request window reads follow, and the orders skip files whose phase moved on.
@Suite struct FilePipelineTests {
    struct Provider: StorageProvider {
        static let descriptor = StorageProviderDescriptor(name: "test")
        init(options: [String: String], context: ProviderContext) {}
        init() {}
        func upload(_ file: UploadSource, resumption: UploadResumption,
                    progress: @escaping @Sendable (Int64) -> Void) async throws {}
    }

    @Test func aFileMovesFromRequestToSlotToTransferAndOut() {
        var pipeline = FilePipeline()
        pipeline.requested("u#1", at: 10)
        #expect(pipeline.requestedAt("u#1") == 10 && pipeline.requestedCount == 1 && pipeline.inFlight == 1)
        #expect(pipeline.requested(before: 10).isEmpty && pipeline.requested(before: 10.5) == ["u#1"])
        #expect(pipeline.answered("u#1") == 10)
        #expect(pipeline.answered("u#1") == nil, "answered once")
        pipeline.queue("u#1", provider: Provider(), priority: 0)
        #expect(pipeline.requestedCount == 0 && pipeline.queuedCount == 1)
        let next = pipeline.nextQueued()
        #expect(next?.fileId == "u#1")
        pipeline.launched("u#1", since: 12)
        #expect(pipeline.queuedCount == 0 && pipeline.runningCount == 1 && pipeline.running == ["u#1"])
        #expect(pipeline.finished("u#1") == 12)
        #expect(pipeline.inFlight == 0 && pipeline.phase(of: "u#1") == nil)
    }

    @Test func theSlotOrderIsByPriorityAndSkipsFilesTakenOut() {
        var pipeline = FilePipeline()
        pipeline.queue("low#1", provider: Provider(), priority: 0)
        pipeline.queue("low#2", provider: Provider(), priority: 0)
        pipeline.queue("urgent#1", provider: Provider(), priority: 5)
        pipeline.remove("low#1")  // its upload was cancelled while it waited
        #expect(pipeline.queuedCount == 2)
        #expect(pipeline.nextQueued()?.fileId == "urgent#1")
        #expect(pipeline.nextQueued()?.fileId == "low#2")
        #expect(pipeline.nextQueued() == nil)
    }

    @Test func renewalsComeOnceAndOnlyWhileAwaited() {
        var pipeline = FilePipeline()
        pipeline.needsRenewal("a#1")
        pipeline.needsRenewal("a#2")
        pipeline.requested("a#2", at: 1)  // requested some other way meanwhile
        #expect(pipeline.nextRenewal() == "a#1")
        #expect(pipeline.nextRenewal() == nil)
        #expect(pipeline.requestedCount == 1)
    }

    @Test func removingARunningFileSaysItsTransferIsToBeCancelled() {
        var pipeline = FilePipeline()
        pipeline.launched("a#1", since: 0)
        pipeline.markResumed("a#1")
        pipeline.requested("a#2", at: 0)
        let (running, requested) = (pipeline.remove("a#1"), pipeline.remove("a#2"))
        #expect(running && !requested)
        #expect(pipeline.runningCount == 0 && pipeline.inFlight == 0 && !pipeline.resumed.contains("a#1"))
    }

    @Test func aStopTakesWhatRunsAndWaitsButKeepsTheRequests() {
        var pipeline = FilePipeline()
        pipeline.requested("a#1", at: 0)
        pipeline.queue("a#2", provider: Provider(), priority: 0)
        pipeline.launched("a#3", since: 0)
        let (running, queued) = pipeline.suspend()
        #expect(running == ["a#3"] && queued == ["a#2"])
        #expect(pipeline.inFlight == 1 && pipeline.requested == ["a#1"])
        #expect(pipeline.nextQueued() == nil)
    }

    @Test func sharesCountRequestsAndWaitingFilesPerUpload() {
        var pipeline = FilePipeline()
        pipeline.requested("a#1", at: 0)
        pipeline.requested("a#2", at: 0)
        pipeline.queue("b#1", provider: Provider(), priority: 0)
        pipeline.launched("b#2", since: 0)
        pipeline.needsRenewal("c#1")
        let shares = pipeline.shares { String($0.prefix { $0 != "#" }) }
        #expect(shares == ["a": 2, "b": 1])
    }
}

/// Thousands of seeded random transitions against a plain model of "one phase per file":
/// after every step the counts equal the tally of phases and the orders hand out only
/// files still in the phase they were queued for. A failing seed is printed to replay it.
@Suite struct FilePipelineRandomTests {
    enum Modelled: Equatable { case renewal, requested, queued, running }

    @Test(arguments: 1...50) func randomTransitionsKeepOnePhasePerFile(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var pipeline = FilePipeline()
        var model: [String: Modelled] = [:]
        let files = (1...12).map { "u\($0 % 3)#\($0)" }
        for step in 0..<400 {
            let file = files.randomElement(using: &random)!
            switch Int.random(in: 0..<8, using: &random) {
            case 0:
                pipeline.requested(file, at: Double(step))
                model[file] = .requested
            case 1:
                let answered = pipeline.answered(file)
                #expect((answered != nil) == (model[file] == .requested), "seed \(seed) step \(step)")
                if answered != nil { model[file] = nil }
            case 2:
                pipeline.queue(file, provider: FilePipelineTests.Provider(), priority: Int.random(in: 0..<3, using: &random))
                model[file] = .queued
            case 3:
                if let next = pipeline.nextQueued() {
                    #expect(model[next.fileId] == .queued, "seed \(seed) step \(step)")
                    pipeline.launched(next.fileId, since: Double(step))
                    model[next.fileId] = .running
                } else {
                    #expect(!model.values.contains(.queued), "seed \(seed) step \(step): a queued file was not handed out")
                }
            case 4:
                let since = pipeline.finished(file)
                #expect((since != nil) == (model[file] == .running), "seed \(seed) step \(step)")
                if since != nil { model[file] = nil }
            case 5:
                pipeline.needsRenewal(file)
                model[file] = .renewal
            case 6:
                if let renewal = pipeline.nextRenewal() {
                    #expect(model[renewal] == .renewal, "seed \(seed) step \(step)")
                    pipeline.requested(renewal, at: Double(step))
                    model[renewal] = .requested
                }
            default:
                pipeline.remove(file)
                model[file] = nil
            }
            let tally = { (phase: Modelled) in model.values.filter { $0 == phase }.count }
            #expect(pipeline.requestedCount == tally(.requested), "seed \(seed) step \(step)")
            #expect(pipeline.queuedCount == tally(.queued), "seed \(seed) step \(step)")
            #expect(pipeline.runningCount == tally(.running), "seed \(seed) step \(step)")
            #expect(Set(pipeline.requested) == Set(model.filter { $0.value == .requested }.keys), "seed \(seed) step \(step)")
        }
        // Every queued file is handed out exactly once, then nothing.
        var handedOut: [String] = []
        while let next = pipeline.nextQueued() {
            handedOut.append(next.fileId)
            pipeline.launched(next.fileId, since: 0)
        }
        #expect(handedOut.sorted() == model.filter { $0.value == .queued }.keys.sorted(), "seed \(seed)")
    }
}
