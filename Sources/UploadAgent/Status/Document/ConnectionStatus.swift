/// The status file's `mqtt`: the broker (its URL without credentials), whether the agent
/// is connected, the last connection error and how often it reconnected.
struct ConnectionStatus: Encodable, Sendable {
    var broker: String
    var connected: Bool
    var lastError: Nullable<String>
    var reconnects: Int
}
