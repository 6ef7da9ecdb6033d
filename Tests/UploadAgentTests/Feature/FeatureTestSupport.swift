import Logging
import Synchronization
@testable import UploadAgent
#if canImport(Glibc)
import Glibc
#endif

/// Records what the feature publishes; can pretend to be disconnected.
final class RecordingPublisher: MessagePublisher {
    let messages = Mutex<[(topic: String, value: JSONValue)]>([])
    let online = Atomic<Bool>(true)
    /// Sees each message as it is published (what was on disk at that moment, say).
    let observer = Mutex<(@Sendable (JSONValue) -> Void)?>(nil)

    func publish(topic: String, payload: [UInt8]) -> Int32? {
        guard online.load(ordering: .relaxed) else { return nil }
        let value = JSONValue.parse(payload) ?? .null
        observer.withLock { $0 }?(value)
        defer { ChangeSignal.shared.tell() }
        return messages.withLock { messages in
            messages.append((topic, value))
            return Int32(messages.count)
        }
    }

    var all: [(topic: String, value: JSONValue)] { messages.withLock { $0 } }

    func responses() -> [(topic: String, value: JSONValue)] { all.filter { $0.topic.hasPrefix("command/") } }

    func lastUploads() -> [JSONValue] {
        all.compactMap { $0.value["path"]?.stringValue?.hasSuffix("/properties/lastUpload") == true ? $0.value["value"] : nil }
    }

    func requests() -> [JSONValue] {
        all.compactMap { $0.value["path"]?.stringValue?.hasSuffix("/outbox/messages/request") == true ? $0.value["value"] : nil }
    }
}

/// A transport that answers every request with `status` after reporting the body as sent,
/// or waits until cancelled when `hang` is set.
final class ScriptedTransport: HTTPTransport {
    let status: Int
    let hang: Bool
    let sent = Mutex<[HTTPRequest]>([])

    init(status: Int = 200, hang: Bool = false) {
        self.status = status
        self.hang = hang
    }

    func send(_ request: HTTPRequest, progress: @escaping @Sendable (Int64) -> Void) async throws -> HTTPResponse {
        sent.withLock { $0.append(request) }
        ChangeSignal.shared.tell()
        if hang {
            try await Self.untilCancelled()
            throw TransferError(.cancelled, "upload cancelled")
        }
        progress(request.body.length / 2)
        progress(request.body.length)
        return HTTPResponse(status: status, body: Array("server says no".utf8))
    }

    /// Returns when the task is cancelled (a transfer that never ends by itself).
    private static func untilCancelled() async throws {
        let waiting = Mutex<CheckedContinuation<Void, Never>?>(nil)
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let cancelled = waiting.withLock { slot in
                    if Task.isCancelled { return true }
                    slot = continuation
                    return false
                }
                if cancelled { continuation.resume() }
            }
        } onCancel: {
            waiting.withLock { slot in
                defer { slot = nil }
                return slot
            }?.resume()
        }
    }
}

/// A folder with files for a test, removed by `remove()`.
struct TemporaryFiles {
    let directory: String

    init(_ files: [String: Int]) {
        directory = "/tmp/fua-test-\(getpid())-\(Int.random(in: 0..<1_000_000_000))"
        mkdir(directory, 0o755)
        for (name, size) in files {
            let file = fopen("\(directory)/\(name)", "w")!
            fwrite([UInt8](repeating: 65, count: size), 1, size, file)
            fclose(file)
        }
    }

    func remove() { _ = system("rm -rf '\(directory)'") }
}

struct FeatureHarness {
    let feature: AutoUploadableFeature
    let publisher: RecordingPublisher
    let transport: ScriptedTransport
    let files: TemporaryFiles

    /// `stateDir` makes the feature durable (journal and credentials there); `reusing`
    /// takes the files of an earlier harness, as a restarted agent finds them.
    init(files: [String: Int] = ["a.log": 1000, "b.log": 3000], transport: ScriptedTransport = ScriptedTransport(),
         clock: TestClock? = nil, stateDir: String? = nil, reusing: TemporaryFiles? = nil,
         configure: (inout AgentConfig) -> Void = { _ in }) {
        self.files = reusing ?? TemporaryFiles(files)
        publisher = RecordingPublisher()
        self.transport = transport
        var config = AgentConfig()
        config.deviceId = "edge:device"
        config.tenantId = "t1"
        config.files = "\(self.files.directory)/*.log"
        if let stateDir { config.stateDir = stateDir }
        configure(&config)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let environment = FeatureEnvironment(publisher: publisher, transport: transport, statusSink: { _ in },
                                             connectionStatus: { .sample },
                                             clock: clock ?? SystemClock(),
                                             logger: logger)
        let feature = AutoUploadableFeature(config: config, environment: environment, durable: stateDir != nil)
        self.feature = feature
        // What the daemon's loop does: the transfers' news are handled as they arrive.
        Task {
            while let batch = await feature.mailbox.next() {
                await feature.handle(batch)
                ChangeSignal.shared.tell()
            }
        }
    }

    func command(_ operation: String, _ value: String, requestId: String = "r") async {
        let payload = #"{"topic":"edge/device/things/live/messages/\#(operation)","headers":{"correlation-id":"\#(requestId)"},"path":"/features/AutoUploadable/inbox/messages/\#(operation)","value":\#(value)}"#
        await feature.handle(.message(topic: "command//edge:device/req/\(requestId)/\(operation)", payload: Array(payload.utf8)))
    }

    func responseStatus(_ requestId: String) -> Int? {
        publisher.responses().last { $0.topic.contains("/res/\(requestId)/") }?.value["status"]?.numberValue.map(Int.init)
    }

    /// Waits until `condition` holds (uploads finish on other tasks): it is checked again
    /// whenever something is published, sent or handled.
    func eventually(_ condition: @Sendable () async -> Bool) async -> Bool {
        await ChangeSignal.shared.until(condition)
    }
}

extension AutoUploadableFeature {
    /// Returns once everything journaled and handed to the credential store so far is on
    /// disk (their writer queues have run it): what a restarted agent would find.
    func onDisk() async {
        let (journal, credentials) = (self.journal, self.credentials)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            guard let journal else { return continuation.resume() }
            journal.whenDurable {
                guard let credentials else { return continuation.resume() }
                credentials.whenDurable { continuation.resume() }
            }
        }
    }
}
