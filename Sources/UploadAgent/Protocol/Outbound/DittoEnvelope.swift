/// One Ditto message the agent publishes (PROTOCOL.md sections 2 and 4), typed and written
/// by `CompactJSONEncoder`: the shape is this type, not a dictionary built by hand. Absent
/// members (a 204's `value`, a twin command's `status`) are left out.
struct DittoEnvelope<Value: Encodable & Sendable>: Encodable, Sendable {
    var topic: String
    var headers: DittoHeaders
    var path: String
    var value: Value?
    /// Only in responses.
    var status: Int?

    /// The payload to publish.
    var bytes: [UInt8] { (try? CompactJSONEncoder.encode(self)) ?? [] }
}
