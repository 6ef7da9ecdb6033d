#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Builds the configuration from defaults, then the JSON file, then command-line flags
/// (which win), then validates it. Flags take Kanto's single-dash form (`-broker x`,
/// `-delete=true`) as well as `--broker x`, so existing service files keep working.
public enum ConfigLoader {
    public struct Result: Sendable {
        public var config: AgentConfig
        /// Keys in the file the agent does not know: logged, not fatal (Kanto ignores them too).
        public var unknownKeys: [String]
    }

    public static func load(arguments: [String]) throws(ConfigError) -> Result {
        var flags: [(ConfigKey, JSONValue)] = []
        var configPath: String?
        var index = 0
        while index < arguments.count {
            var argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-") else { throw ConfigError("", "unexpected argument '\(argument)'") }
            argument = String(argument.drop(while: { $0 == "-" }))
            var inlineValue: String?
            if let equals = argument.firstIndex(of: "=") {
                inlineValue = String(argument[argument.index(after: equals)...])
                argument = String(argument[..<equals])
            }
            func nextValue() throws(ConfigError) -> String {
                if let inlineValue { return inlineValue }
                guard index < arguments.count else { throw ConfigError(argument, "the flag needs a value") }
                index += 1
                return arguments[index - 1]
            }
            if argument == "config" || argument == "configFile" {
                configPath = try nextValue()
                continue
            }
            guard let key = ConfigKey.named(argument) else {
                throw ConfigError("", "unknown flag '--\(argument)'")
            }
            if key.isBoolean {
                flags.append((key, .string(inlineValue ?? "true")))
            } else {
                flags.append((key, .string(try nextValue())))
            }
        }
        var config = AgentConfig()
        var unknown: [String] = []
        if let configPath {
            unknown = try apply(file: configPath, to: &config)
        }
        for (key, value) in flags {
            try key.apply(&config, value)
        }
        try config.validate()
        return Result(config: config, unknownKeys: unknown)
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
