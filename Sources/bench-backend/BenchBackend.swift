import Synchronization
import UploadAgent

/// The cloud side of the many-small-files benchmark, as lean as a backend can be: it
/// answers each outbox `request` of the agent with a `start` (generic PUT to
/// `<urlBase>/<file name>`) at once, from libmosquitto's callback, and counts what it
/// received. In Python (paho-mqtt) the same backend cost as much CPU per file as the
/// agent, on the same two cores, so the agent's wall time measured the backend too.
final class BenchBackend: Sendable {
    struct Counts: Encodable {
        var connected = false
        var registered = false
        var requests = 0
        var duplicateRequests = 0
        var starts = 0
        var startAnswers: [String: Int] = [:]
        var lastUploads = 0
        var state = ""
        var progress = 0
        var message = ""
        /// CLOCK_MONOTONIC seconds (Python's time.monotonic()); 0 = not yet.
        var triggerSentAt = 0.0
        var triggerAnsweredAt = 0.0
        var triggerStatus = 0
        var endedAt = 0.0
    }

    private struct State {
        var counts = Counts()
        var parent = ""
        var triggerRequestId = ""
        var requested: Set<String> = []
        var startRequestIds: Set<String> = []
        var sequence = 0
    }

    private let deviceId: String
    private let tenantId: String
    private let topicPrefix: String
    private let urlBase: String
    private let paths: (feature: String, request: String, lastUpload: String)
    private let state = Mutex(State())
    private let connection = Mutex<MQTTConnection?>(nil)

    init(deviceId: String, tenantId: String, featureId: String, urlBase: String) {
        self.deviceId = deviceId
        self.tenantId = tenantId
        topicPrefix = ThingID(deviceId)?.topicPrefix ?? deviceId
        self.urlBase = urlBase
        paths = ("/features/\(featureId)", "/features/\(featureId)/outbox/messages/request",
                 "/features/\(featureId)/properties/lastUpload")
    }

    var counts: Counts { state.withLock { $0.counts } }

    func attach(_ connection: MQTTConnection) { self.connection.withLock { $0 = connection } }

    func handle(_ event: MQTTEvent) {
        switch event {
        case .connected: state.withLock { $0.counts.connected = true }
        case .message(let topic, let payload): receive(topic: topic, payload: payload)
        default: break
        }
    }

    /// Sends one trigger over all of the agent's files, as parent `parent`, with `options`
    /// (such as `upload.archive`).
    func trigger(parent: String, options: [String: String] = [:]) {
        let requestId = state.withLock { state in
            state.parent = parent
            state.triggerRequestId = "trigger-\(parent)"
            state.counts.triggerSentAt = monotonicSeconds()
            return state.triggerRequestId
        }
        publish("trigger", ["correlationID": .string(parent), "options": .object(options.mapValues { .string($0) })],
                requestId: requestId)
    }

    private func receive(topic: String, payload: [UInt8]) {
        let now = monotonicSeconds()
        guard let envelope = JSONValue.parse(payload), case .object = envelope else { return }
        if topic == "e" {
            let value = envelope["value"] ?? .null
            switch envelope["path"]?.stringValue {
            case paths.request?: answer(value)
            case paths.lastUpload?: follow(value, at: now)
            case paths.feature?: state.withLock { $0.counts.registered = true }
            default: break
            }
        } else {
            // command/<tenant>/<device>/res/<request id>/<status>
            let parts = topic.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count >= 6, parts[3] == "res" else { return }
            let requestId = String(parts[4])
            let status = Int(parts[5]) ?? 0
            state.withLock { state in
                if requestId == state.triggerRequestId, state.counts.triggerAnsweredAt == 0 {
                    state.counts.triggerAnsweredAt = now
                    state.counts.triggerStatus = status
                    if status >= 300 { state.counts.message = String(decoding: (envelope["value"] ?? .null).serialized(), as: UTF8.self) }
                } else if state.startRequestIds.contains(requestId) {
                    state.counts.startAnswers["\(status)", default: 0] += 1
                }
            }
        }
    }

    private func answer(_ request: JSONValue) {
        guard let child = request["correlationId"]?.stringValue ?? request["correlationID"]?.stringValue else { return }
        let path = request["options"]?["file.path"]?.stringValue ?? child.replacingHashes()
        let requestId: String? = state.withLock { state in
            guard !state.parent.isEmpty, child.hasPrefix(state.parent + "#") else { return nil }
            state.counts.requests += 1
            if !state.requested.insert(child).inserted { state.counts.duplicateRequests += 1 }
            state.sequence += 1
            let requestId = "start-\(state.sequence)"
            state.startRequestIds.insert(requestId)
            state.counts.starts += 1
            return requestId
        }
        guard let requestId else { return }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        publish("start", ["correlationID": .string(child), "options": [
            "storage.provider": "generic", "https.method": "PUT", "https.url": .string("\(urlBase)/\(name)"),
        ]], requestId: requestId)
    }

    private func follow(_ lastUpload: JSONValue, at now: Double) {
        state.withLock { state in
            guard !state.parent.isEmpty, lastUpload["correlationId"]?.stringValue == state.parent else { return }
            state.counts.lastUploads += 1
            state.counts.state = lastUpload["state"]?.stringValue ?? ""
            if case .number(let progress)? = lastUpload["progress"] { state.counts.progress = Int(progress) }
            if ["SUCCESS", "FAILED", "CANCELED"].contains(state.counts.state), state.counts.endedAt == 0 {
                state.counts.endedAt = now
                let code = lastUpload["statusCode"]?.stringValue ?? ""
                let message = lastUpload["message"]?.stringValue ?? ""
                state.counts.message = [code, message].filter { !$0.isEmpty }.joined(separator: " ")
            }
        }
    }

    /// One inbox operation as a Hono command (QoS 1) whose response names `requestId`.
    private func publish(_ operation: String, _ value: JSONValue, requestId: String) {
        let envelope: JSONValue = [
            "topic": .string("\(topicPrefix)/things/live/messages/\(operation)"),
            "headers": ["response-required": true, "content-type": "application/json", "correlation-id": .string(requestId)],
            "path": .string("\(paths.feature)/inbox/messages/\(operation)"),
            "value": value,
        ]
        let topic = "command/\(tenantId)/\(deviceId)/req/\(requestId)/\(operation)"
        _ = connection.withLock { $0 }?.publish(topic: topic, payload: envelope.serialized())
    }
}

extension String {
    func replacingHashes() -> String { String(map { $0 == "#" ? "-" : $0 }) }
}
