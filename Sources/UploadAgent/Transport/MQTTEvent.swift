/// What the MQTT connection reports, in order, from its network thread.
public enum MQTTEvent: Sendable {
    case connected
    case disconnected(reason: String)
    /// A connection attempt failed (unreachable, refused, bad credentials); retried with backoff.
    case connectFailed(reason: String)
    case message(topic: String, payload: [UInt8])
    /// The broker acknowledged (PUBACK) the message published with this id.
    case acknowledged(messageId: Int32)
}
