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

    /// The value of `key` when it is one of `allowed` (in any letter case; returned as
    /// listed), nil when absent or empty, else the 400 error listing what is allowed.
    public func choice(_ key: String, from allowed: [String]) throws(InvalidStartOptions) -> String? {
        guard let given = self[key], !given.isEmpty else { return nil }
        guard let match = allowed.first(where: { $0.lowercased() == given.lowercased() }) else {
            throw InvalidStartOptions("'\(key)' must be one of \(allowed.joined(separator: ", ")), not '\(HTTPHeaderField.printable(given))'")
        }
        return match
    }
}
