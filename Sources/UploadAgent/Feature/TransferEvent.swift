/// The news of one running transfer, posted by its provider's callbacks.
enum TransferEvent: Sendable {
    /// Bytes the server has received so far (throttled by `ProgressRelay`).
    case progress(Int64)
    /// What the server holds for a resume (a part, a block, a chunk); nil once it is done.
    case confirmed(ServerProgress?)
    /// A new attempt after a failed one.
    case retrying(attempt: Int, reason: String)
    case finished(Result<Void, UploadError>)
}
