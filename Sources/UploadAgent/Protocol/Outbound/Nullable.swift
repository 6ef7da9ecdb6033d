/// A value that outbound documents always name: written as `null` when absent, where a
/// synthesized `Encodable` would leave the key out (Kanto's `autoUpload` window, every
/// key of the status file of PROTOCOL.md section 8).
struct Nullable<Wrapped: Encodable & Sendable>: Encodable, Sendable {
    var value: Wrapped?

    init(_ value: Wrapped?) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value { try container.encode(value) } else { try container.encodeNil() }
    }
}

extension Nullable: Equatable where Wrapped: Equatable {}
