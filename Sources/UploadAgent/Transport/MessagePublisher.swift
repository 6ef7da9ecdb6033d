/// Where the feature sends what it publishes (QoS 1).
public protocol MessagePublisher: Sendable {
    /// Hands the message to the client; returns its message id, or nil when it could not
    /// be handed over (disconnected). The broker's acknowledgement of that id arrives
    /// later as `MQTTEvent.acknowledged`; until then the caller keeps what it must resend.
    func publish(topic: String, payload: [UInt8]) -> Int32?
}
