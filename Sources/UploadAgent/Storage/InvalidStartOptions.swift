/// The options of a `start` command cannot make a provider: answered with status 400.
public struct InvalidStartOptions: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    /// The standard message for a required option that is absent or empty.
    public static func missing(_ key: String) -> InvalidStartOptions {
        InvalidStartOptions("required parameter '\(key)' missing or empty")
    }

    public var description: String { message }
}

extension [String: String] {
    /// The non-empty value of a required start option, or the standard 400 error.
    public func required(_ key: String) throws(InvalidStartOptions) -> String {
        guard let value = self[key], !value.isEmpty else { throw .missing(key) }
        return value
    }
}
