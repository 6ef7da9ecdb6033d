import Synchronization

/// How far the storage servers' clock is from this device's, learned from a server that
/// said the device clock is wrong (S3's `RequestTimeTooSkewed`, with the server's `Date`).
/// Gateways often have no real-time clock and run for a while before NTP corrects them;
/// S3 refuses signatures more than 15 minutes off, so the signer adds this offset, as the
/// AWS SDKs do. One instance is shared by all uploads of the agent.
public final class ServerClockOffset: Sendable {
    private let learned = Mutex<Double?>(nil)

    public init() {}

    /// Seconds to add to the device clock to get the servers' (0 until learned).
    public var seconds: Double { learned.withLock { $0 } ?? 0 }

    /// Whether a server has told us its time.
    public var isKnown: Bool { learned.withLock { $0 != nil } }

    /// Remembers the offset between `serverTime` and the device clock's `deviceTime` read
    /// when the answer arrived.
    public func learn(serverTime: Double, deviceTime: Double) {
        guard serverTime.isFinite, deviceTime.isFinite else { return }
        learned.withLock { $0 = serverTime - deviceTime }
    }

    /// The device time corrected by what was learned.
    public func serverTime(deviceTime: Double) -> Double {
        deviceTime + seconds
    }
}
