/// The status file's `thing`: the device the edge agent named (null until it did).
struct ThingStatus: Encodable, Sendable {
    var deviceId: String
    var tenantId: String
}
