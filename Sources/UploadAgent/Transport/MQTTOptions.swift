/// How to reach and authenticate to the broker.
public struct MQTTOptions: Sendable {
    public var address: BrokerAddress
    public var clientId: String
    public var username: String
    public var password: String
    public var caCert: String
    public var cert: String
    public var key: String
    public var keepAlive: Int32 = 20
    /// The longest wait between reconnect attempts.
    public var maxReconnectDelay: Double = 30

    public init(config: AgentConfig, clientId: String) throws(ConfigError) {
        address = try BrokerAddress(parsing: config.broker)
        self.clientId = clientId
        username = config.username
        password = config.password
        caCert = config.caCert
        cert = config.cert
        key = config.key
    }
}
