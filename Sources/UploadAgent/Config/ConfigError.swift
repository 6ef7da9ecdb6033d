/// A configuration the agent cannot start with; the message names the key.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var key: String
    public var problem: String

    public init(_ key: String, _ problem: String) {
        self.key = key
        self.problem = problem
    }

    public var description: String { key.isEmpty ? problem : "config key '\(key)': \(problem)" }
}
