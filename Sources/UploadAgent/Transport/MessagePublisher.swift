/// Where the feature sends what it publishes. Returns false when the message could not
/// be handed to the broker (disconnected): the caller decides what to keep for later.
public protocol MessagePublisher: Sendable {
    func publish(topic: String, payload: [UInt8]) -> Bool
}
