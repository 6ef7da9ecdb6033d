import Logging

/// swift-log handler for the agent: one line per message, secrets scrubbed, journald
/// priorities on stderr.
public struct AgentLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let sink: LogSink
    let clock: WallClock

    public init(level: Logger.Level, sink: LogSink, clock: @escaping WallClock = systemWallClock) {
        logLevel = level
        self.sink = sink
        self.clock = clock
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The longest message a line carries: whatever a payload held, one line stays readable
    /// (and within what journald and syslog take whole).
    static let maxMessageLength = 2048

    public func log(event: LogEvent) {
        var text = "\(event.message)"
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        if !merged.isEmpty {
            text += " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        sink.write(priority: Self.priority(event.level), stamp: "\(RFC3339.format(clock())) \(Self.name(event.level))",
                   message: SecretRedactor.redact(BoundedText.cut(text, to: Self.maxMessageLength)))
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .critical: return 2
        case .error: return 3
        case .warning: return 4
        case .notice: return 5
        case .info: return 6
        case .debug, .trace: return 7
        }
    }

    static func name(_ level: Logger.Level) -> String {
        switch level {
        case .critical: return "CRITICAL"
        case .error: return "ERROR"
        case .warning: return "WARN"
        case .notice: return "NOTICE"
        case .info: return "INFO"
        case .debug: return "DEBUG"
        case .trace: return "TRACE"
        }
    }

    /// Kanto's level names to swift-log's.
    public static func level(_ name: LogLevelName) -> Logger.Level {
        switch name {
        case .error: return .error
        case .warn: return .warning
        case .info: return .info
        case .debug: return .debug
        case .trace: return .trace
        }
    }
}
