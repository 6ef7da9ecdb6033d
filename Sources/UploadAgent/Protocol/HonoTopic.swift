/// A Hono command topic, `command/<tenant>/<device>/req/<req-id>/<subject>`. Tenant,
/// device and request id may be empty (`command//edge:device/req//start`). The topic only
/// transports: which operation is meant is read from the Ditto envelope.
public struct HonoTopic: Sendable, Equatable {
    public var tenant: String
    public var device: String
    public var requestId: String
    public var subject: String

    /// What the agent subscribes to: every command for every tenant and device.
    public static let subscription = "command/+/+/req/#"

    public init(tenant: String, device: String, requestId: String, subject: String) {
        self.tenant = tenant
        self.device = device
        self.requestId = requestId
        self.subject = subject
    }

    /// Parses a command topic; nil when the topic is not one.
    public init?(parsing topic: String) {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 5, parts[0] == "command", parts[3] == "req" else { return nil }
        tenant = parts[1]
        device = parts[2]
        requestId = parts[4]
        subject = parts.count > 5 ? parts[5...].joined(separator: "/") : ""
    }

    /// `command/<tenant>/<device>/res/<req-id>/<status>`: where the answer goes.
    public func responseTopic(status: Int) -> String {
        "command/\(tenant)/\(device)/res/\(requestId)/\(status)"
    }
}
