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

    /// Whether the answer waits until what the command changed is on disk: the backend may
    /// act on an answer, so it must not be told what a power cut could take back. A start
    /// is the exception: the credentials it brings are the one change the agent may lose
    /// and ask for again (its file stays requested in the journal), and at one start per
    /// file, holding each answer for two fsyncs cost more than the upload of a small file.
    public var answerWaitsForDisk: Bool {
        if case .success(.start) = operation { false } else { true }
    }
}
