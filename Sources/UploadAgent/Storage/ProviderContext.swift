/// What every provider needs besides its own options: the way to send requests and the
/// agent-wide settings that shape them.
public struct ProviderContext: Sendable {
    public var transport: any HTTPTransport
    /// Send `Content-MD5` (and provider-specific checksums) with every body.
    public var checksum: Bool
    /// The device id, for `{device}` placeholders in object names.
    public var deviceId: String
    /// Wall clock, injectable so expiry checks can be tested.
    public var now: @Sendable () -> Double
    /// The same network without the retry layer, for protocols that recover by
    /// themselves (resumable sessions ask the server how much it has, then continue).
    public var directTransport: any HTTPTransport
    /// The backoff those protocols use between their own attempts.
    public var retryPolicy: RetryPolicy
    /// Waits between attempts; injectable so tests do not sleep.
    public var sleep: @Sendable (Double) async throws -> Void
    /// Told about each new attempt those protocols make (for the status file's count).
    public var onRetry: @Sendable (_ attempt: Int, _ reason: String) -> Void = { _, _ in }
    /// The servers' clock relative to `now`, learned from skew errors; share one instance
    /// across uploads so a correction learned once serves every later request.
    public var serverClock: ServerClockOffset
    /// The rate uploads are held to (`maxBandwidth`, bytes per second), nil when unlimited:
    /// pieces and parallelism are sized so that a kill costs a second of it (`TransferSizing`).
    public var linkRate: Int64?
    /// How objects are labelled (`contentType`): each provider's fixed type, or by extension.
    public var contentTypes = ContentTypeMode.binary

    public init(transport: any HTTPTransport, checksum: Bool, deviceId: String,
                now: @escaping @Sendable () -> Double, directTransport: (any HTTPTransport)? = nil,
                retryPolicy: RetryPolicy = RetryPolicy(),
                sleep: @escaping @Sendable (Double) async throws -> Void = { try await SystemClock().sleep(for: $0) },
                serverClock: ServerClockOffset = ServerClockOffset()) {
        self.transport = transport
        self.checksum = checksum
        self.deviceId = deviceId
        self.now = now
        self.directTransport = directTransport ?? transport
        self.retryPolicy = retryPolicy
        self.sleep = sleep
        self.serverClock = serverClock
    }

    /// The context of one upload as the agent runs it: `network` wrapped in the
    /// configured retries (both for single requests and for self-recovering protocols),
    /// with `onRetry` told of every new attempt, and time from `clock`.
    public init(config: AgentConfig, network: any HTTPTransport, deviceId: String,
                clock: any AgentClock = SystemClock(),
                serverClock: ServerClockOffset = ServerClockOffset(),
                onRetry: @escaping @Sendable (_ attempt: Int, _ reason: String) -> Void) {
        let policy = RetryPolicy(maxAttempts: config.retryAttempts)
        let sleep: @Sendable (Double) async throws -> Void = { try await clock.sleep(for: $0) }
        self.init(transport: RetryingTransport(base: network, policy: policy, onRetry: onRetry, sleep: sleep),
                  checksum: config.checksum, deviceId: deviceId, now: { clock.now() },
                  directTransport: network, retryPolicy: policy, sleep: sleep, serverClock: serverClock)
        self.onRetry = onRetry
        linkRate = config.maxBandwidth > 0 ? config.maxBandwidth : nil
        contentTypes = config.contentType
    }
}
