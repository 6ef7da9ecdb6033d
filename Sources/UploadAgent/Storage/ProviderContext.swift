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

    public init(transport: any HTTPTransport, checksum: Bool, deviceId: String,
                now: @escaping @Sendable () -> Double) {
        self.transport = transport
        self.checksum = checksum
        self.deviceId = deviceId
        self.now = now
    }
}
