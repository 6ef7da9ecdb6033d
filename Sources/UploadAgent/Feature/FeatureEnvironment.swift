import Logging

/// What the feature needs from the outside world, injected so tests can drive it with
/// a recording publisher, a fake transport and a controlled clock.
public struct FeatureEnvironment: Sendable {
    public var publisher: any MessagePublisher
    /// The shared transfer engine; each upload wraps it in its own `RetryingTransport`.
    public var transport: any HTTPTransport
    var statusSink: @Sendable (StatusDocument) -> Void
    /// The MQTT part of the status document (`connected`, `lastError`, `reconnects`).
    var connectionStatus: @Sendable () -> ConnectionStatus
    /// Every time the feature reads or waits on (`SystemClock` in the daemon).
    public var clock: any AgentClock
    public var logger: Logger
    /// The bandwidth timetable and data budget the transfer engine holds bodies to; nil: unlimited.
    public var link: LinkAllowance?
    /// Forces the log file to disk (after the start-up recovery lines).
    public var syncLog: @Sendable () -> Void = {}
    /// Stand-ins the simulator drives a step at a time; nil (and sleeping timers) in the
    /// agent: transfers by the storage providers, journal writes on dispatch queues.
    var transferLauncher: (any TransferLauncher)?
    var journalQueues: LogWriterQueues?
    var timersSleep = true

    init(publisher: any MessagePublisher, transport: any HTTPTransport,
                statusSink: @escaping @Sendable (StatusDocument) -> Void,
                connectionStatus: @escaping @Sendable () -> ConnectionStatus,
                clock: any AgentClock = SystemClock(),
                logger: Logger, link: LinkAllowance? = nil) {
        self.publisher = publisher
        self.transport = transport
        self.statusSink = statusSink
        self.connectionStatus = connectionStatus
        self.clock = clock
        self.logger = logger
        self.link = link
    }
}
