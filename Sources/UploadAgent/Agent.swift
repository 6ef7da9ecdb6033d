/// The running daemon: wires configuration, MQTT, the feature, uploads and the status file.
public final class Agent: Sendable {
    let config: AgentConfig
    let unknownConfigKeys: [String]

    public init(config: AgentConfig, unknownConfigKeys: [String]) {
        self.config = config
        self.unknownConfigKeys = unknownConfigKeys
    }

    /// Runs until SIGTERM/SIGINT; returns the exit code.
    public func run() async -> Int32 {
        StandardError.write("file-upload-agent: daemon not implemented yet")
        return 1
    }
}
