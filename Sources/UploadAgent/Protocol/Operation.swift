/// The five AutoUploadable operations, typed. Nothing past the parser sees raw JSON.
public enum Operation: Sendable, Equatable {
    case trigger(correlationId: String?, options: [String: String])
    case start(correlationId: String, options: [String: String])
    case cancel(correlationId: String, statusCode: String, message: String)
    /// Bounds in seconds since the epoch; nil is an open end.
    case activate(from: Double?, to: Double?)
    case deactivate
}
