#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Builds the configuration from defaults, then the JSON file, then command-line flags
/// (which win), then validates it. Flags take Kanto's single-dash form (`-broker x`,
/// `-delete=true`) as well as `--broker x`, so existing service files keep working
/// (`CommandLineArguments`).
public enum ConfigLoader {
    public struct Result: Sendable {
        public var config: AgentConfig
        /// Keys in the file the agent does not know: logged, not fatal (Kanto ignores them too).
        public var unknownKeys: [String]
        /// The config file that was read; nil when none was.
        public var configFile: String?
        /// Which file was read and why, for the start-up log line.
        public var configSource: String
    }

    /// Our config file, and Kanto's: read when no `--config` is given (or our own is named
    /// but absent), the first that exists. A gateway that ran Kanto keeps its
    /// /etc/file-upload/config.json working.
    public static let standardConfigFiles = ["/etc/file-upload-agent/config.json", "/etc/file-upload/config.json"]

    /// `standardConfigFiles` are looked at only when the caller passes them: the tests and
    /// the `upload` command stay independent of what is installed on the machine.
    public static func load(arguments: [String], defaultConfigFiles: [String] = []) throws(ConfigError) -> Result {
        try load(CommandLineArguments(parsing: arguments), defaultConfigFiles: defaultConfigFiles)
    }

    public static func load(_ arguments: CommandLineArguments, defaultConfigFiles: [String] = []) throws(ConfigError) -> Result {
        var config = AgentConfig()
        var unknown: [String] = []
        let configFile = chooseConfigFile(given: arguments.configPath, defaults: defaultConfigFiles)
        if let configFile {
            unknown = try apply(file: configFile, to: &config)
        }
        for (key, value) in arguments.flags {
            try key.apply(&config, .string(value))
        }
        try config.validate()
        return Result(config: config, unknownKeys: unknown, configFile: configFile,
                      configSource: describe(configFile, defaults: defaultConfigFiles))
    }

    /// The file to read: the given one, else the first default that exists. Our own
    /// standard file, named explicitly (as the shipped unit does) but absent, falls back to
    /// Kanto's like the implicit default, so a gateway that ran Kanto keeps its config.
    static func chooseConfigFile(given: String?, defaults: [String]) -> String? {
        guard let given else { return defaults.first { FileCheck.exists($0) } }
        guard given == defaults.first, !FileCheck.exists(given) else { return given }
        return defaults.dropFirst().first { FileCheck.exists($0) } ?? given
    }

    static func describe(_ file: String?, defaults: [String]) -> String {
        guard let file else {
            return defaults.isEmpty ? "no config file: defaults and flags only"
                : "no config file (\(defaults.joined(separator: " and ")) absent): defaults and flags only"
        }
        guard let index = defaults.firstIndex(of: file), index > 0,
              !defaults[..<index].contains(where: FileCheck.exists) else { return "config file \(file)" }
        return "config file \(file) (\(defaults[..<index].joined(separator: " and ")) absent)"
    }

    /// Applies the keys of a JSON config file; returns the names it did not know.
    static func apply(file path: String, to config: inout AgentConfig) throws(ConfigError) -> [String] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileCheck.exists(path) ? "permission denied or not a readable file" : "no such file"
            throw ConfigError("", "cannot read config file '\(path)': \(reason)")
        }
        guard let document = JSONValue.parse(data) else {
            throw ConfigError("", "config file '\(path)' is not valid JSON")
        }
        guard case .object(let object) = document else {
            throw ConfigError("", "config file '\(path)' must hold a JSON object")
        }
        var unknown: [String] = []
        for (name, value) in object.sorted(by: { $0.key < $1.key }) {
            guard let key = ConfigKey.named(name) else { unknown.append(name); continue }
            try key.apply(&config, value)
        }
        return unknown
    }
}
