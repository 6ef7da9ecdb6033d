import Logging
import Testing
@testable import UploadAgent

/// A command is answered, and a new upload's files are requested, only once what the
/// command changed is on disk: the journal's writes here run only when the test says.
@Suite struct HeldAnswerTests {
    @Test func aTriggerIsAnsweredAndRequestedOnlyOnceItsUploadIsOnDisk() async {
        let files = TemporaryFiles(["a.log": 10])
        let state = TemporaryFiles([:])
        defer { files.remove(); state.remove() }
        let disk = SimulatedDisk()
        let publisher = RecordingPublisher()
        var config = AgentConfig()
        config.deviceId = "edge:device"
        config.files = "\(files.directory)/*.log"
        config.stateDir = state.directory
        var environment = FeatureEnvironment(publisher: publisher, transport: ScriptedTransport(), statusSink: { _ in },
                                             connectionStatus: { .sample }, clock: TestClock(now: 1000), logger: Logger(label: "test"))
        environment.journalQueues = disk.queues
        environment.timersSleep = false
        let feature = AutoUploadableFeature(config: config, environment: environment, durable: true)
        await feature.restore()
        await feature.handle(FeatureEvent.mqtt(.connected))
        while disk.runNext(choose: { _ in 0 }) != nil {}
        let topic = "command//edge:device/req/t/trigger"
        let payload = #"{"topic":"edge/device/things/live/messages/trigger","headers":{"correlation-id":"t"},"path":"/features/AutoUploadable/inbox/messages/trigger","value":{"correlationID":"up"}}"#
        await feature.handle(FeatureEvent.mqtt(.message(topic: topic, payload: Array(payload.utf8))))
        #expect(publisher.responses().isEmpty && publisher.requests().isEmpty, "told before the upload was on disk")

        while disk.runNext(choose: { _ in 0 }) != nil {}
        for event in feature.mailbox.takeAll() { await feature.handle(event) }
        let told = publisher.all.map { $0.topic.hasPrefix("command/") ? "response" : ($0.value["path"]?.stringValue ?? "") }
        let response = told.firstIndex(of: "response")
        let request = told.firstIndex { $0.hasSuffix("/outbox/messages/request") }
        #expect(response != nil && request != nil && response! < request!, "\(told)")
    }
}
