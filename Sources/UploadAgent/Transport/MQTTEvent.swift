/// What the MQTT connection reports, in order, from its network thread.
public enum MQTTEvent: Sendable {
    case connected
    case disconnected(reason: String)
    case message(topic: String, payload: [UInt8])
}
