/// Encodes a Codable value straight into compact JSON bytes, members in the order its
/// `encode(to:)` writes them. The journal writes a record for every state change of every
/// file; Foundation's JSONEncoder builds a tree of boxed values and dictionaries for each
/// one and cost about a seventh of the agent's CPU per small file. This writes as it goes.
///
/// The output is plain JSON that JSONDecoder reads back into the same value. Unlike
/// JSONEncoder it gives Date, Data and URL no special form (journal records hold none),
/// and a container must be finished before its parent writes its next member (as every
/// synthesized and hand-written `encode(to:)` does).
enum CompactJSONEncoder {
    static func encode<Value: Encodable>(_ value: Value, indented: Bool = false) throws -> [UInt8] {
        let output = CompactJSONOutput(indented: indented)
        try output.encodeValue(value)
        return output.bytes
    }
}
