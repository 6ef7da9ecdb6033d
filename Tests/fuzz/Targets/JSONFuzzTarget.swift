@testable import UploadAgent

/// Any JSON text (MQTT payloads, config files, the status file). What parses must survive
/// a round trip: serializing it and parsing the result gives the same value, through the
/// compact writer (responses) and through the encoder of records and the status file,
/// compact or indented; and the compact writer gives the same bytes again (a lossy step
/// would change what the backend reads).
enum JSONFuzzTarget: FuzzTarget {
    static let name = "json"

    static func run(_ input: FuzzInput) {
        guard let value = JSONValue.parse(input.bytes) else { return }
        let text = value.serialized()
        guard let again = JSONValue.parse(text) else {
            preconditionFailure("serialized JSON does not parse: \(text.text)")
        }
        precondition(again == value, "round trip changed the value: \(text.text)")
        precondition(again.serialized() == text, "serializing twice differs: \(text.text)")
        for indented in [false, true] {
            guard let encoded = try? CompactJSONEncoder.encode(value, indented: indented) else {
                preconditionFailure("a parsed value cannot be encoded: \(text.text)")
            }
            precondition(JSONValue.parse(encoded) == value, "the encoder changed the value: \(encoded.text)")
        }
        _ = value.stringMap
        _ = value.plainText
        _ = value.typeName
    }
}
