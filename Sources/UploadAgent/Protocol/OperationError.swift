/// A failed operation as Ditto answers it: `{"status":400,"error":"messages:parameter.invalid","message":"…"}`.
public struct OperationError: Error, Sendable, Equatable {
    public static let parameterInvalid = "messages:parameter.invalid"
    public static let executionFailed = "messages:execution.failed"

    public var status: Int
    public var code: String
    public var message: String

    /// What an answer may echo at most: a message built from a huge input stays small.
    static let maxMessageLength = 1024

    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = BoundedText.cut(message, to: Self.maxMessageLength)
    }

    public static func badRequest(_ message: String) -> OperationError {
        OperationError(status: 400, code: parameterInvalid, message: message)
    }

    public static func notFound(_ message: String) -> OperationError {
        OperationError(status: 404, code: parameterInvalid, message: message)
    }

    public static func failed(_ message: String, status: Int = 500) -> OperationError {
        OperationError(status: status, code: executionFailed, message: message)
    }

}

/// The value of an error response: `{"status":…,"error":…,"message":…}`.
extension OperationError: Encodable {
    enum CodingKeys: String, CodingKey {
        case status
        case code = "error"
        case message
    }
}
