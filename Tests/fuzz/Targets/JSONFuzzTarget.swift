@testable import UploadAgent

/// Any JSON text (MQTT payloads, config files, the status file). What parses must survive
/// a round trip: serializing it and parsing the result gives the same value, compact or
/// pretty, and serializing again gives the same bytes (responses and the status file are
/// built from parsed values, so a lossy step would change what the backend reads).
enum JSONFuzzTarget: FuzzTarget {
    static let name = "json"

    static func run(_ input: FuzzInput) {
        guard let value = JSONValue.parse(input.bytes) else { return }
        for pretty in [false, true] {
            let text = value.serialized(pretty: pretty)
            guard let again = JSONValue.parse(text) else {
                preconditionFailure("serialized JSON does not parse: \(text.text)")
            }
            precondition(again == value, "round trip changed the value: \(text.text)")
            precondition(again.serialized(pretty: pretty) == text, "serializing twice differs: \(text.text)")
        }
        _ = value.stringMap
        _ = value.plainText
        _ = value.typeName
    }
}
