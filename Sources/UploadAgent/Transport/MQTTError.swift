/// A libmosquitto call that failed, with what it was for.
public struct MQTTError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
