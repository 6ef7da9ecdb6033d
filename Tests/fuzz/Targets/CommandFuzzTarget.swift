@testable import UploadAgent

/// An MQTT command as it arrives: the first line of the input is the topic, the rest the
/// payload. Whatever comes, the parser ignores it or yields an operation whose values are
/// in range (times finite, within the years RFC 3339 can write, `to` not before `from`).
enum CommandFuzzTarget: FuzzTarget {
    static let name = "command"
    static let parser = CommandParser(thing: ThingID("edge:device")!, featureId: "AutoUploadable")

    static func run(_ input: FuzzInput) {
        let (topic, payload) = input.split(at: UInt8(ascii: "\n"))
        guard case .inbox(let message) = parser.parse(topic: topic.text, payload: payload) else { return }
        precondition(message.dittoTopic.hasPrefix("edge/device"), "a command for another thing was accepted")
        precondition(message.path.hasPrefix("/features/AutoUploadable/inbox/messages/"))
        precondition(message.hono.responseTopic(status: 204).hasPrefix("command/"))
        switch message.operation {
        case .success(.activate(let from, let to)):
            for time in [from, to].compactMap({ $0 }) {
                precondition(time.isFinite, "activate time \(time) is not finite")
                _ = RFC3339.format(time)
            }
            if let from, let to { precondition(from <= to, "activate window ends before it starts") }
        case .success(.cancel(let id, _, _)), .success(.start(let id, _)):
            precondition(!id.isEmpty, "an empty correlation id was accepted")
        case .success, .failure:
            break
        }
    }
}
