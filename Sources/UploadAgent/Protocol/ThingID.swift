/// A Ditto thing id `namespace:name`, and its topic form `namespace/name`.
public struct ThingID: Sendable, Equatable, CustomStringConvertible {
    public var namespace: String
    public var name: String

    /// Splits at the first colon; nil when there is none.
    public init?(_ text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        namespace = String(text[..<colon])
        name = String(text[text.index(after: colon)...])
    }

    public var description: String { "\(namespace):\(name)" }
    /// The prefix of Ditto topics: `namespace/name`.
    public var topicPrefix: String { "\(namespace)/\(name)" }
}
