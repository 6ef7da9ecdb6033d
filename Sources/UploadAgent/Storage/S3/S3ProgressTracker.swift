import Synchronization

/// Adds up the bytes of parts sent in parallel (finished parts plus what the parts in
/// flight have sent so far) and reports a total that never goes backwards, even when a
/// part is retried from its start.
final class S3ProgressTracker: Sendable {
    private struct State {
        var completed: Int64 = 0
        var inFlight: [Int: Int64] = [:]
        var reported: Int64 = 0
    }

    private let state: Mutex<State>
    private let report: @Sendable (Int64) -> Void

    init(alreadyCompleted: Int64 = 0, report: @escaping @Sendable (Int64) -> Void) {
        state = Mutex(State(completed: alreadyCompleted))
        self.report = report
    }

    /// Part `number` has sent `bytes` of its body in the current attempt.
    func partSent(_ number: Int, bytes: Int64) {
        update { $0.inFlight[number] = bytes }
    }

    /// Part `number` (`length` bytes) is stored.
    func partCompleted(_ number: Int, length: Int64) {
        update {
            $0.inFlight[number] = nil
            $0.completed += length
        }
    }

    /// The highest total reported so far.
    var reported: Int64 { state.withLock { $0.reported } }

    private func update(_ change: (inout State) -> Void) {
        state.withLock { state in
            change(&state)
            let total = state.completed + state.inFlight.values.reduce(0, +)
            if total > state.reported {
                state.reported = total
                report(total)  // under the lock, so totals arrive in order
            }
        }
    }
}
