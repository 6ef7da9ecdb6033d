/// At most `limit` file uploads run at once; the rest wait in the order they were
/// started (oldest first). An async semaphore with FIFO waiters and cancellation.
public actor UploadSlots {
    private let limit: Int
    private var inUse = 0
    private var waiters: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextId = 0

    public init(limit: Int) { self.limit = max(1, limit) }

    /// Waits for a free slot; throws `CancellationError` if the task is cancelled while waiting.
    public func acquire() async throws {
        if inUse < limit && waiters.isEmpty {
            inUse += 1
            return
        }
        let id = nextId
        nextId += 1
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiters.append((id, continuation))
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    public func release() {
        if waiters.isEmpty {
            inUse -= 1
        } else {
            waiters.removeFirst().continuation.resume()
        }
    }

    private func cancelWaiter(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }
}
