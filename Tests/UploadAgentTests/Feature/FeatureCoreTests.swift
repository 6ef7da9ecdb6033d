import Logging
import Testing
@testable import UploadAgent

/// The core as a value, without the actor, a task or a clock: events in, effects out.
@Suite struct FeatureCoreTests {
    /// A core over `files`, durable or not, connected at wall time 1,000 (what the
    /// connection decided is in `connecting`).
    static func core(over files: TemporaryFiles, durable: Bool, connecting: inout [FeatureEffect]) -> FeatureCore {
        var config = AgentConfig()
        config.deviceId = "edge:device"
        config.tenantId = "t1"
        config.files = "\(files.directory)/*.log"
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let selector = FileSelector(configuredGlob: config.files, mode: config.mode)
        var core = FeatureCore(config: config, logger: logger, reads: LiveFeatureReads(selector: selector, link: nil),
                               durable: durable, time: FeatureTime(now: 1000, uptime: 0),
                               makeStorageProvider: { _, _, _ in throw InvalidStartOptions("no providers in this test") })
        connecting = core.handle(.mqtt(.connected), at: FeatureTime(now: 1000, uptime: 0))
        return core
    }

    static func core(over files: TemporaryFiles, durable: Bool) -> FeatureCore {
        var connecting: [FeatureEffect] = []
        return core(over: files, durable: durable, connecting: &connecting)
    }

    static func trigger(_ requestId: String) -> FeatureEvent {
        let payload = #"{"topic":"edge/device/things/live/messages/trigger","headers":{"correlation-id":"\#(requestId)"},"path":"/features/AutoUploadable/inbox/messages/trigger","value":{"correlationID":"up"}}"#
        return .mqtt(.message(topic: "command//edge:device/req/\(requestId)/trigger", payload: Array(payload.utf8)))
    }

    /// The topics published, and for the outbox requests, which file each asks for.
    static func published(_ effects: [FeatureEffect]) -> [String] {
        effects.compactMap { effect in
            guard case .publish(let topic, _, let tracking) = effect else { return nil }
            if case .request(let fileId)? = tracking { return "request \(fileId)" }
            return topic
        }
    }

    @Test func aDurableTriggerIsAnsweredOnlyOnceTheDiskHasIt() {
        let files = TemporaryFiles(["a.log": 10, "b.log": 20])
        defer { files.remove() }
        var core = Self.core(over: files, durable: true)
        let time = FeatureTime(now: 1001, uptime: 1)

        let triggered = core.handle(Self.trigger("r1"), at: time)
        #expect(Self.published(triggered).isEmpty)
        let journaled: [JournalEntry] = triggered.flatMap { effect -> [JournalEntry] in
            if case .journal(let entries) = effect { entries } else { [] }
        }
        let kinds = journaled.map { entry -> String in
            switch entry {
            case .file: "file"
            case .upload: "upload"
            default: "other"
            }
        }
        #expect(kinds.filter { $0 == "file" }.count == 2 && kinds.contains("upload"))
        let asked = triggered.compactMap { if case .askDisk(let sequence) = $0 { sequence } else { nil } }
        #expect(asked.count == 1)

        let released = core.handle(.durable(through: asked[0]), at: time)
        // The answer first, then the requests (the upload's STARTED status, "e", with them).
        let order = Self.published(released)
        #expect(order.first == "command//edge:device/res/r1/204")
        #expect(order.filter { $0.hasPrefix("request") } == ["request up#1", "request up#2"])
    }

    @Test func inMemoryEverythingGoesOutAtOnce() {
        let files = TemporaryFiles(["a.log": 10])
        defer { files.remove() }
        var core = Self.core(over: files, durable: false)
        let effects = core.handle(Self.trigger("r1"), at: FeatureTime(now: 1001, uptime: 1))
        #expect(Set(Self.published(effects)) == ["command//edge:device/res/r1/204", "request up#1", "e"])
        #expect(!effects.contains { if case .journal = $0 { true } else { false } })
    }

    @Test func theSameEventsAtTheSameTimesGiveTheSameEffects() {
        let files = TemporaryFiles(["a.log": 10, "b.log": 20, "c.log": 30])
        defer { files.remove() }
        func run() -> String {
            var core = Self.core(over: files, durable: true)
            var trace: [String] = []
            for (step, event) in [Self.trigger("r1"), .durable(through: 1), .durable(through: 2),
                                  .mqtt(.acknowledged(messageId: 7)), .mqtt(.disconnected(reason: "cut")),
                                  .mqtt(.connected)].enumerated() {
                let effects = core.handle(event, at: FeatureTime(now: 1001 + Double(step), uptime: Double(step)))
                trace.append(effects.map { "\($0)" }.joined(separator: "\n"))
            }
            return trace.joined(separator: "\n--\n")
        }
        #expect(run() == run())
    }

    @Test func aStaleTimerExpiryDoesNothing() {
        let files = TemporaryFiles(["a.log": 10])
        defer { files.remove() }
        var connecting: [FeatureEffect] = []
        var core = Self.core(over: files, durable: false, connecting: &connecting)
        let time = FeatureTime(now: 1001, uptime: 1)
        var tokens: [Int] = []
        for effect in connecting + core.handle(Self.trigger("r1"), at: time) {
            if case .arm(.housekeeping, _, let token) = effect { tokens.append(token) }
        }
        #expect(tokens.count == 1)  // armed once, not again while armed
        let stale = core.handle(.timer(.housekeeping, token: tokens[0] + 100), at: time)
        #expect(stale.isEmpty)
        let due = core.handle(.timer(.housekeeping, token: tokens[0]), at: FeatureTime(now: 1002, uptime: 2))
        #expect(due.contains { if case .arm(.housekeeping, 3, _) = $0 { true } else { false } })
        let again = core.handle(.timer(.housekeeping, token: tokens[0]), at: FeatureTime(now: 1002, uptime: 2))
        #expect(again.isEmpty)  // that arming fired already
    }
}
