/// Everything the agent is configured with. Keys and defaults are Eclipse Kanto's
/// `file-upload`, so its config files work unchanged; the keys after `logFileMaxAge` are
/// ours. Durations are seconds, times are seconds since the epoch.
public struct AgentConfig: Sendable, Equatable {
    // MQTT connection (Kanto).
    public var broker = "tcp://localhost:1883"
    public var username = ""
    public var password = ""
    public var caCert = ""
    public var cert = ""
    public var key = ""
    // The feature (Kanto).
    public var featureId = "AutoUploadable"
    public var type = "file"
    public var context = "edge"
    public var files = ""
    public var mode = UploadMode.strict
    public var period: Double = 36_000
    public var active = false
    public var activeFrom: Double?
    public var activeTill: Double?
    public var delete = false
    public var checksum = false
    /// `binary`: every object gets its provider's fixed type (Kanto's); `auto`: the type of its extension.
    public var contentType = ContentTypeMode.binary
    public var singleUpload = false
    public var stopTimeout: Double = 30
    public var serverCert = ""
    // Logging (Kanto). Kanto writes to log/file-upload.log by default; we log to stderr
    // (journald under systemd) unless a file is named, since the unit's sandbox makes
    // relative paths unwritable.
    public var logFile = ""
    public var logLevel = LogLevelName.info
    public var logFileSize = 2
    public var logFileCount = 5
    public var logFileMaxAge = 28
    // Ours.
    public var deviceId = ""
    public var tenantId = ""
    public var statusFile = "/var/lib/file-upload-agent/status.json"
    public var stateDir = "/var/lib/file-upload-agent"
    public var maxConcurrentUploads = 4
    /// Uploads of small files (at most 256 KiB, one request each) that may run at once,
    /// `maxConcurrentUploads` included (`UploadSlots`): their time is the storage
    /// endpoint's round trip, so more in flight move more of them, at little cost.
    public var maxConcurrentSmallUploads = 64
    /// The most upload requests kept outstanding ahead of the free upload slots. The
    /// window itself follows the measured latency (`RequestWindow`), from twice
    /// `maxConcurrentUploads` up to this cap, so a large trigger neither floods the broker
    /// nor gets URLs that expire before their turn. Nil: 500.
    public var requestWindow: Int?
    /// How long a file waits for the `start` that answers its request before it fails.
    public var requestTimeout: Double = 3600
    public var connectTimeout: Double = 30
    public var stallTimeout: Double = 60
    /// `maxBandwidth`: one rate, or a timetable of rates by local time of day.
    public var bandwidth = BandwidthTimetable.unlimited
    /// `dataBudget`: at most this many body bytes per period; nil is no budget.
    public var dataBudget: DataBudget.Limit?
    /// The fastest rate uploads are held to (bytes per second), 0 when some period is unlimited.
    public var maxBandwidth: Int64 { bandwidth.highestLimit ?? 0 }
    /// Whether a bandwidth cap or a data budget holds the link, so its rate, not the round
    /// trip, decides how fast uploads go.
    public var limitsLink: Bool { bandwidth != .unlimited || dataBudget != nil }
    public var proxy = ""
    public var uploadCert = ""
    public var uploadKey = ""
    public var retryAttempts = 8
    /// Threads that run transfers (libcurl multi handles); 0: one per core, at most 4.
    public var transferThreads = 0
    /// Defaults of the selection options (`upload.from`, …) by option name, for triggers
    /// that do not name them: set by `uploadFrom`, `uploadTo`, `maxFileSize`, `maxTotalSize`,
    /// `maxFiles`, `uploadOrder`, `uploadPriority`, `uploadArchive` and `uploadCompress`.
    public var selectionDefaults: [String: String] = [:]
    /// The priority of periodic (activation) uploads: below a trigger's default 0, so a
    /// backend's own request goes first.
    public var periodicPriority = -1
    /// The largest archive or compressed copy staged in `<stateDir>/archives` (0: only the
    /// space left in the state folder bounds it).
    public var archiveMaxSize: Int64 = 0

    public init() {}

    /// Checks what no single key can: pairs that belong together and bounds.
    public func validate() throws(ConfigError) {
        let scheme = broker.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
        guard ["tcp", "ssl", "mqtt", "mqtts", "tls"].contains(scheme.lowercased()), broker.contains("://") else {
            throw ConfigError("broker", "'\(broker)' is not a broker URL such as tcp://localhost:1883 or ssl://host:8883")
        }
        guard cert.isEmpty == key.isEmpty else {
            throw ConfigError(cert.isEmpty ? "cert" : "key", "a client certificate needs both 'cert' and 'key'")
        }
        guard uploadCert.isEmpty == uploadKey.isEmpty else {
            throw ConfigError(uploadCert.isEmpty ? "uploadCert" : "uploadKey",
                              "an upload client certificate needs both 'uploadCert' and 'uploadKey'")
        }
        guard period > 0 else { throw ConfigError("period", "must be longer than zero") }
        guard stopTimeout >= 0 else { throw ConfigError("stopTimeout", "must not be negative") }
        if let activeFrom, let activeTill, activeTill < activeFrom {
            throw ConfigError("activeTill", "lies before 'activeFrom'")
        }
        guard maxConcurrentUploads >= 1 else { throw ConfigError("maxConcurrentUploads", "must be at least 1") }
        guard maxConcurrentSmallUploads >= 1 else { throw ConfigError("maxConcurrentSmallUploads", "must be at least 1") }
        if let requestWindow, requestWindow < 1 { throw ConfigError("requestWindow", "must be at least 1") }
        guard requestTimeout > 0 else { throw ConfigError("requestTimeout", "must be longer than zero") }
        guard connectTimeout > 0 else { throw ConfigError("connectTimeout", "must be longer than zero") }
        guard stallTimeout >= 1 else { throw ConfigError("stallTimeout", "must be at least 1s") }
        guard retryAttempts >= 1 else { throw ConfigError("retryAttempts", "must be at least 1") }
        guard (0...64).contains(transferThreads) else { throw ConfigError("transferThreads", "must be between 0 (one per core) and 64") }
        // Rotation walks the kept files one by one: a count in the billions would hang it.
        guard (0...1000).contains(logFileCount) else { throw ConfigError("logFileCount", "must be between 0 and 1000") }
        guard !statusFile.isEmpty else { throw ConfigError("statusFile", "must not be empty") }
        guard !featureId.isEmpty else { throw ConfigError("featureId", "must not be empty") }
        for (name, path) in [("caCert", caCert), ("cert", cert), ("key", key), ("serverCert", serverCert),
                             ("uploadCert", uploadCert), ("uploadKey", uploadKey)] where !path.isEmpty {
            guard FileCheck.isReadableFile(path) else { throw ConfigError(name, "cannot read '\(path)'") }
        }
        if !deviceId.isEmpty && !deviceId.contains(":") {
            throw ConfigError("deviceId", "'\(deviceId)' is not a thing id of the form namespace:name")
        }
    }

    /// Activation from the config: `activeFrom`/`activeTill` imply `active` (as in Kanto).
    public var startsActive: Bool { active || activeFrom != nil || activeTill != nil }
}
