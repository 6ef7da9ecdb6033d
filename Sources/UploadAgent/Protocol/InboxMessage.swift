/// A command addressed to this feature, with what is needed to answer it.
public struct InboxMessage: Sendable {
    public var hono: HonoTopic
    /// The Ditto topic, copied into the response.
    public var dittoTopic: String
    public var path: String
    public var correlationHeader: String?
    public var responseRequired: Bool
    /// The operation name taken from the path (`trigger`, `start`, …).
    public var operationName: String
    /// The parsed operation, or why its value was refused (answered with that error).
    public var operation: Result<Operation, OperationError>
}
