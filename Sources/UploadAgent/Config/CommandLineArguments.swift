/// The daemon's command line, read the way Go's `flag` package reads Kanto's: `-key value`
/// or `--key value`, `-key=value`, a boolean flag alone or as `-flag=<Go boolean>`, and
/// `-version` anywhere among them. Values are only collected here; `ConfigLoader` applies
/// them over the config file, so a flag always wins over the file.
public struct CommandLineArguments: Sendable {
    /// `--config` / Kanto's `-configFile`; nil when not given.
    public var configPath: String?
    /// `-version` (or `-version=<true>`) was among the arguments.
    public var versionRequested = false
    /// The config flags in the order given (a later one wins).
    var flags: [(key: ConfigKey, value: String)] = []

    public init(parsing arguments: [String]) throws(ConfigError) {
        var index = 0
        while index < arguments.count {
            var argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-"), argument != "-" else {
                throw ConfigError("", "unexpected argument '\(argument)'")
            }
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
            if argument == "version" {
                versionRequested = try Self.boolean(argument, inlineValue)
                continue
            }
            guard let key = ConfigKey.named(argument) else {
                throw ConfigError("", "unknown flag '--\(argument)'")
            }
            if key.isBoolean {
                // Go reads a boolean flag's value only after "=": `-delete false` is not a value.
                flags.append((key, String(try Self.boolean(key.name, inlineValue))))
            } else {
                flags.append((key, try nextValue()))
            }
        }
    }

    private static func boolean(_ name: String, _ text: String?) throws(ConfigError) -> Bool {
        guard let text else { return true }
        guard let value = GoBool.parse(text) else {
            throw ConfigError(name, "'\(text)' is not a boolean (\(GoBool.accepted))")
        }
        return value
    }
}
