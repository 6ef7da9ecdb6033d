/// A transfer that produced no HTTP response.
public struct TransferError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Could not connect, connection reset, TLS failure after connect, …: worth a retry.
        case network
        /// The connect timeout or the stall detector fired: worth a retry.
        case timeout
        /// The caller cancelled.
        case cancelled
        /// Something a retry cannot fix: a refused scheme, a file that cannot be read, a bad option.
        case fatal
    }

    public var kind: Kind
    /// What a person reads: never contains a secret (URLs are redacted by the engine).
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
