@testable import UploadAgent

/// The cloud side: sends commands (triggers, starts, cancels; some uploads' requests it
/// never answers, as a backend may decline files) and checks everything that reaches it
/// against what a backend is promised: a final state is never followed by another, no
/// SUCCESS unless a server holds every file whole, one answer per command.
final class SimulatedBackend {
    /// The files every trigger selects, with their sizes.
    let files: [(path: String, size: Int64)]
    let storage: SimulatedStorage
    private(set) var commands: [(topic: String, payload: [UInt8])] = []
    /// Uploads the backend knows exist: it must hear how each ends.
    private(set) var heard: Set<String> = []
    private(set) var finals: [String: String] = [:]
    /// Uploads named in journal records the simulator damaged: they may end FAILED
    /// whatever they were told before (the agent no longer knows), but they must end.
    var damaged: Set<String> = []
    /// Uploads whose requests are never answered.
    private(set) var silent: Set<String> = []
    private(set) var unanswered: [String] = []
    private var triggers: [String: String] = [:]
    private var cancels: [String: String] = [:]
    /// Cancels that reached the agent while their upload ran (a cancel of an upload that
    /// already ended is answered 204 too, and changes nothing).
    var cancelsOfRunning: Set<String> = []
    /// Uploads whose cancel of a running upload was answered 204: they must end CANCELED.
    private(set) var cancelled: Set<String> = []
    private var answers: [String: Int] = [:]
    private var number = 0
    private(set) var triggered = 0
    private(set) var violations: [String] = []
    private(set) var received: [String] = []

    init(files: [(path: String, size: Int64)], storage: SimulatedStorage) {
        self.files = files
        self.storage = storage
    }

    // MARK: - Commands

    func trigger(silent isSilent: Bool) -> String {
        triggered += 1
        let id = "u\(triggered)"
        if isSilent { silent.insert(id) }
        let rid = send("trigger", ["correlationID": .string(id)])
        triggers[rid] = id
        return id
    }

    /// Opens a window of periodic uploads (times in milliseconds, as Kanto's backends send).
    func activate(from: Double, to: Double) {
        send("activate", ["from": .number((from * 1000).rounded()), "to": .number((to * 1000).rounded())])
    }

    func deactivate() { send("deactivate", [:]) }

    /// Answers one unanswered request (by its position).
    func start(_ index: Int) -> String {
        let fileId = unanswered.remove(at: index)
        send("start", ["correlationID": .string(fileId),
                       "options": ["https.url": .string("http://storage.invalid/\(fileId)")]])
        return fileId
    }

    func startAgain(_ fileId: String) {
        send("start", ["correlationID": .string(fileId),
                       "options": ["https.url": .string("http://storage.invalid/\(fileId)")]])
    }

    func cancel(_ id: String) {
        cancels[send("cancel", ["correlationID": .string(id), "statusCode": .string("400"), "message": "the operator cancelled it"])] = id
    }

    /// Requests it will answer, by position in `unanswered`.
    var answerable: [Int] { unanswered.indices.filter { !silent.contains(Self.parent(of: unanswered[$0])) } }

    var unfinished: [String] { heard.filter { finals[$0] == nil }.sorted() }

    func takeCommand() -> (topic: String, payload: [UInt8])? { commands.isEmpty ? nil : commands.removeFirst() }

    /// The upload a command cancels, by its topic.
    func cancelled(by topic: String) -> (rid: String, upload: String)? {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count > 4, let id = cancels[String(parts[4])] else { return nil }
        return (String(parts[4]), id)
    }

    @discardableResult
    private func send(_ operation: String, _ value: JSONValue) -> String {
        number += 1
        let rid = "r\(number)"
        let envelope: JSONValue = [
            "topic": .string("edge/device/things/live/messages/\(operation)"),
            "headers": ["correlation-id": .string(rid), "response-required": true],
            "path": .string("/features/AutoUploadable/inbox/messages/\(operation)"),
            "value": value,
        ]
        commands.append(("command//edge:device/req/\(rid)/\(operation)", envelope.serialized()))
        return rid
    }

    // MARK: - What arrives

    func receive(topic: String, payload: [UInt8]) {
        if topic.hasPrefix("command/") {
            let parts = topic.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count >= 6 else { return violation("a response on a malformed topic \(topic)") }
            let rid = String(parts[4])
            answers[rid, default: 0] += 1
            if answers[rid]! > 1 { violation("command \(rid) answered \(answers[rid]!) times") }
            if parts[5] == "204", let id = triggers[rid] { heard.insert(id) }
            if parts[5] == "204", let id = cancels[rid], cancelsOfRunning.contains(rid) { cancelled.insert(id) }
            received.append("response \(rid) \(parts[5])")
            return
        }
        guard let message = JSONValue.parse(payload), let path = message["path"]?.stringValue else {
            return violation("an unreadable message on \(topic)")
        }
        if path.hasSuffix("/outbox/messages/request"), let fileId = message["value"]?["correlationId"]?.stringValue {
            heard.insert(Self.parent(of: fileId))
            if !unanswered.contains(fileId) { unanswered.append(fileId) }
            received.append("request \(fileId)")
        } else if path.hasSuffix("/properties/lastUpload"), let value = message["value"] {
            lastUpload(value, via: "lastUpload")
        } else if path == "/features/AutoUploadable", let value = message["value"]?["properties"]?["lastUpload"] {
            lastUpload(value, via: "registration")
        }
    }

    private func lastUpload(_ value: JSONValue, via channel: String) {
        guard let id = value["correlationId"]?.stringValue, let state = value["state"]?.stringValue else {
            return violation("a lastUpload without correlationId or state")
        }
        heard.insert(id)
        received.append("\(channel) \(id) \(state)")
        if let final = finals[id], final != state, !damaged.contains(id) {
            violation("upload \(id) was told \(final), then \(state) (\(channel))")
        }
        if state == "SUCCESS" {
            let stored = storage.objects(of: id)
            for file in files where !stored.contains(where: { $0.path == file.path && $0.size == file.size }) {
                violation("upload \(id) told SUCCESS, but no server holds \(file.path) whole")
            }
        }
        if ["SUCCESS", "FAILED", "CANCELED"].contains(state), finals[id] == nil { finals[id] = state }
    }

    /// What must hold once everything settled: every upload heard of ended and was told,
    /// every upload whose cancel was accepted ended CANCELED.
    func settledViolations() -> [String] {
        var found: [String] = []
        for id in cancelled.sorted() where !damaged.contains(id) {
            if let final = finals[id], final != "CANCELED" { found.append("upload \(id): its cancel was answered 204, but it ended \(final)") }
        }
        return found
    }

    func violation(_ text: String) { violations.append(text) }

    /// The upload whose final state this message is a `lastUpload` of (not a registration).
    static func finalLastUpload(in payload: [UInt8]) -> String? {
        guard let message = JSONValue.parse(payload), message["path"]?.stringValue?.hasSuffix("/properties/lastUpload") == true,
              let state = message["value"]?["state"]?.stringValue, ["SUCCESS", "FAILED", "CANCELED"].contains(state) else { return nil }
        return message["value"]?["correlationId"]?.stringValue
    }

    static func parent(of fileId: String) -> String {
        fileId.lastIndex(of: "#").map { String(fileId[..<$0]) } ?? fileId
    }
}
