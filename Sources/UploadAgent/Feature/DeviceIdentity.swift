/// Which thing this agent speaks for, and its tenant: configured, or answered by the
/// local edge agent on `edge/thing/response`.
public struct DeviceIdentity: Sendable, Equatable {
    public var thing: ThingID
    public var tenant: String

    public init(thing: ThingID, tenant: String) {
        self.thing = thing
        self.tenant = tenant
    }

    /// Reads `{"deviceId":"ns:name","tenantId":"t","policyId":"p"}`.
    public init?(edgeResponse payload: [UInt8]) {
        guard let document = JSONValue.parse(payload), let id = document["deviceId"]?.stringValue,
              let thing = ThingID(id) else { return nil }
        self.thing = thing
        tenant = document["tenantId"]?.stringValue ?? ""
    }

    public static let requestTopic = "edge/thing/request"
    public static let responseTopic = "edge/thing/response"
}
