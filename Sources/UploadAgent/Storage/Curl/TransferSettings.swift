/// Agent-wide settings for every HTTP transfer, from the configuration.
public struct TransferSettings: Sendable {
    /// Seconds to wait for a TCP + TLS connection.
    public var connectTimeout: Double = 30
    /// The stall detector (`stallTimeout`): a transfer that moved no byte for this many
    /// seconds is aborted and retried. No total timeout, so a big file over a slow link is
    /// never killed at an arbitrary deadline.
    public var stallTimeout: Double = 60
    /// A PEM file trusted in addition to the system's CAs (`serverCert`).
    public var extraCAFile: String?
    /// Client certificate and key for uploads (`uploadCert`, `uploadKey`).
    public var clientCertificate: String?
    public var clientKey: String?
    /// An explicit proxy (`proxy`); otherwise libcurl honours https_proxy / no_proxy.
    public var proxy: String?
    /// The limits shared by all uploads (`maxBandwidth`, `dataBudget`); nil is unlimited.
    public var link: LinkAllowance?
    /// The system CA directory, searched besides `extraCAFile`.
    public var systemCAPath: String = "/etc/ssl/certs"

    public init() {}

    /// The settings the configuration asks for (empty strings mean "not set").
    public init(config: AgentConfig) {
        connectTimeout = config.connectTimeout
        stallTimeout = config.stallTimeout
        extraCAFile = config.serverCert.isEmpty ? nil : config.serverCert
        clientCertificate = config.uploadCert.isEmpty ? nil : config.uploadCert
        clientKey = config.uploadKey.isEmpty ? nil : config.uploadKey
        proxy = config.proxy.isEmpty ? nil : config.proxy
        // The daemon replaces this with one that also keeps the data budget.
        link = config.bandwidth == .unlimited ? nil : LinkAllowance(timetable: config.bandwidth, budget: nil)
    }
}
