/// The status file's `thing`: the device the edge agent named (null until it did).
struct ThingStatus: Encodable, Sendable, Equatable {
    var deviceId: String
    var tenantId: String
}
