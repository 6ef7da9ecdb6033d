import Synchronization

/// Keeps the multipart state while parts finish in parallel tasks and hands a copy to the
/// observer after each change, so a persisted state is never half-updated.
final class S3MultipartStateRecorder: Sendable {
    private let state: Mutex<S3MultipartState>
    private let didChange: @Sendable (S3MultipartState) -> Void

    init(_ initial: S3MultipartState, didChange: @escaping @Sendable (S3MultipartState) -> Void) {
        state = Mutex(initial)
        self.didChange = didChange
    }

    var current: S3MultipartState { state.withLock { $0 } }

    func partCompleted(_ number: Int, etag: String, checksum: String?) {
        state.withLock { state in
            state.completedParts[number] = etag
            if let checksum { state.partChecksums[number] = checksum }
            didChange(state)
        }
    }
}
