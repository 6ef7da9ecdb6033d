/// One configuration key: its name, and how a JSON value or a command-line string sets it.
/// The same table serves the config file and the flags, so they cannot drift apart.
public struct ConfigKey: Sendable {
    public let name: String
    public let isBoolean: Bool
    let apply: @Sendable (inout AgentConfig, JSONValue) throws(ConfigError) -> Void

    /// Every key the agent knows.
    public static let all: [ConfigKey] = [
        text("broker", \.broker), text("username", \.username), text("password", \.password),
        text("caCert", \.caCert), text("cert", \.cert), text("key", \.key),
        text("featureId", \.featureId), text("type", \.type), text("context", \.context),
        text("files", \.files),
        ConfigKey(name: "mode", isBoolean: false) { config, value throws(ConfigError) in
            let text = try string("mode", value)
            guard let mode = UploadMode(rawValue: text.lowercased()) else {
                throw ConfigError("mode", "'\(text)' is not one of strict, scoped, lax")
            }
            config.mode = mode
        },
        duration("period", \.period), flag("active", \.active),
        time("activeFrom", \.activeFrom), time("activeTill", \.activeTill),
        flag("delete", \.delete), flag("checksum", \.checksum), flag("singleUpload", \.singleUpload),
        ConfigKey(name: "contentType", isBoolean: false) { config, value throws(ConfigError) in
            let text = try string("contentType", value)
            guard let mode = ContentTypeMode(rawValue: text.lowercased()) else {
                throw ConfigError("contentType", "'\(text)' is not one of binary, auto")
            }
            config.contentType = mode
        },
        duration("stopTimeout", \.stopTimeout), text("serverCert", \.serverCert),
        text("logFile", \.logFile),
        ConfigKey(name: "logLevel", isBoolean: false) { config, value throws(ConfigError) in
            let text = try string("logLevel", value)
            guard let level = LogLevelName(text: text) else {
                throw ConfigError("logLevel", "'\(text)' is not one of ERROR, WARN, INFO, DEBUG, TRACE")
            }
            config.logLevel = level
        },
        integer("logFileSize", \.logFileSize), integer("logFileCount", \.logFileCount),
        integer("logFileMaxAge", \.logFileMaxAge),
        text("deviceId", \.deviceId), text("tenantId", \.tenantId),
        text("statusFile", \.statusFile), text("stateDir", \.stateDir),
        integer("maxConcurrentUploads", \.maxConcurrentUploads), integer("maxConcurrentSmallUploads", \.maxConcurrentSmallUploads),
        optionalInteger("requestWindow", \.requestWindow), duration("requestTimeout", \.requestTimeout),
        duration("connectTimeout", \.connectTimeout), duration("stallTimeout", \.stallTimeout),
        ConfigKey(name: "maxBandwidth", isBoolean: false) { config, value throws(ConfigError) in
            let text = try sizeText("maxBandwidth", value)
            switch BandwidthTimetable.parse(text) {
            case .success(let timetable): config.bandwidth = timetable
            case .failure(let problem): throw ConfigError("maxBandwidth", problem.description)
            }
        },
        ConfigKey(name: "dataBudget", isBoolean: false) { config, value throws(ConfigError) in
            let text = try string("dataBudget", value)
            if text.isEmpty || text == "0" { config.dataBudget = nil; return }
            guard let limit = DataBudget.parse(text) else {
                throw ConfigError("dataBudget", "'\(text)' is not a budget such as \"500MB/24h\" (a size per duration)")
            }
            config.dataBudget = limit
        },
        text("proxy", \.proxy), text("uploadCert", \.uploadCert), text("uploadKey", \.uploadKey),
        integer("retryAttempts", \.retryAttempts), integer("transferThreads", \.transferThreads),
        selectionDefault("uploadFrom", option: "upload.from"), selectionDefault("uploadTo", option: "upload.to"),
        selectionDefault("maxFileSize", option: "upload.maxFileSize"),
        selectionDefault("maxTotalSize", option: "upload.maxTotalSize"),
        selectionDefault("maxFiles", option: "upload.maxFiles"), selectionDefault("uploadOrder", option: "upload.order"),
        selectionDefault("uploadPriority", option: "upload.priority"), integer("periodicPriority", \.periodicPriority),
        selectionDefault("uploadArchive", option: "upload.archive"),
        selectionDefault("uploadCompress", option: "upload.compress"),
        ConfigKey(name: "archiveMaxSize", isBoolean: false) { config, value throws(ConfigError) in
            let text = try sizeText("archiveMaxSize", value)
            guard let size = ByteRate.parse(text) else {
                throw ConfigError("archiveMaxSize", "'\(text)' is not a size such as 2GB or 500MiB")
            }
            config.archiveMaxSize = size
        },
    ]

    public static func named(_ name: String) -> ConfigKey? {
        all.first { $0.name == name } ?? all.first { $0.name.lowercased() == name.lowercased() }
    }

    // MARK: - Kinds of key

    static func string(_ name: String, _ value: JSONValue) throws(ConfigError) -> String {
        guard case .string(let text) = value else { throw ConfigError(name, "expected a string, got \(value.typeName)") }
        return text
    }

    /// A value people write either way: `"2MB"` or `2000000`.
    static func sizeText(_ name: String, _ value: JSONValue) throws(ConfigError) -> String {
        if case .number = value { return value.plainText }
        return try string(name, value)
    }

    static func text(_ name: String, _ path: WritableKeyPath<AgentConfig, String> & Sendable) -> ConfigKey {
        ConfigKey(name: name, isBoolean: false) { config, value throws(ConfigError) in
            config[keyPath: path] = try string(name, value)
        }
    }

    /// The config's default for one selection option, checked as the option would be (a
    /// relative time such as `2h` is kept as written and read at each trigger).
    static func selectionDefault(_ name: String, option: String) -> ConfigKey {
        ConfigKey(name: name, isBoolean: false) { config, value throws(ConfigError) in
            let text = try sizeText(name, value)
            do throws(OperationError) {
                _ = try SelectionOptions.parse([option: text], now: 0)
            } catch {
                let prefix = "'\(option)' "
                throw ConfigError(name, error.message.hasPrefix(prefix) ? String(error.message.dropFirst(prefix.count)) : error.message)
            }
            config.selectionDefaults[option] = text
        }
    }

    static func flag(_ name: String, _ path: WritableKeyPath<AgentConfig, Bool> & Sendable) -> ConfigKey {
        ConfigKey(name: name, isBoolean: true) { config, value throws(ConfigError) in
            switch value {
            case .bool(let b): config[keyPath: path] = b
            case .string(let s) where GoBool.parse(s) != nil: config[keyPath: path] = GoBool.parse(s)!
            case .string(let s): throw ConfigError(name, "'\(s)' is not a boolean (\(GoBool.accepted))")
            default: throw ConfigError(name, "expected true or false, got \(value.typeName)")
            }
        }
    }

    static func integer(_ name: String, _ path: WritableKeyPath<AgentConfig, Int> & Sendable) -> ConfigKey {
        ConfigKey(name: name, isBoolean: false) { config, value throws(ConfigError) in
            switch value {
            case .number(let n) where n == n.rounded() && abs(n) < 1e12: config[keyPath: path] = Int(n)
            // The same bound for "123" as for 123: a larger count or size means nothing, and
            // the log sink's megabytes × 2^20 would overflow (and trap) on Int.max.
            case .string(let s) where Int(s).map({ abs(Double($0)) < 1e12 }) ?? false: config[keyPath: path] = Int(s)!
            case .string(let s) where Int(s) != nil: throw ConfigError(name, "'\(s)' is out of range")
            default: throw ConfigError(name, "expected a whole number, got \(value.typeName)")
            }
        }
    }

    /// A whole number that may be left out (null or absent: the default in force).
    static func optionalInteger(_ name: String, _ path: WritableKeyPath<AgentConfig, Int?> & Sendable) -> ConfigKey {
        ConfigKey(name: name, isBoolean: false) { config, value throws(ConfigError) in
            switch value {
            case .null: config[keyPath: path] = nil
            case .number(let n) where n == n.rounded() && abs(n) < 1e12: config[keyPath: path] = Int(n)
            case .string(let s) where Int(s) != nil: config[keyPath: path] = Int(s)!
            default: throw ConfigError(name, "expected a whole number, got \(value.typeName)")
            }
        }
    }

    static func duration(_ name: String, _ path: WritableKeyPath<AgentConfig, Double> & Sendable) -> ConfigKey {
        ConfigKey(name: name, isBoolean: false) { config, value throws(ConfigError) in
            let text = try string(name, value)
            guard let seconds = GoDuration.parse(text) else {
                throw ConfigError(name, "'\(text)' is not a duration such as \"10h\", \"1.5s\" or \"300ms\"")
            }
            guard seconds.isFinite, abs(seconds) <= GoDuration.longest else {
                throw ConfigError(name, "'\(text)' is longer than ten years")
            }
            config[keyPath: path] = seconds
        }
    }

    static func time(_ name: String, _ path: WritableKeyPath<AgentConfig, Double?> & Sendable) -> ConfigKey {
        ConfigKey(name: name, isBoolean: false) { config, value throws(ConfigError) in
            if value.isNull { config[keyPath: path] = nil; return }
            let text = try string(name, value)
            if text.isEmpty { config[keyPath: path] = nil; return }
            guard let seconds = RFC3339.parse(text) else {
                throw ConfigError(name, "'\(text)' is not an RFC 3339 time such as 2006-01-02T15:04:05Z")
            }
            config[keyPath: path] = seconds
        }
    }
}
