import Synchronization

/// Adds up the bytes of blocks that travel at the same time into one number that only
/// grows: a retried block starts again from zero, but the total a person sees must not
/// go back.
final class AzureUploadProgress: Sendable {
    private struct Counts {
        var finishedBytes: Int64
        /// The most bytes any attempt of each running block has sent.
        var runningBytes: [Int: Int64] = [:]
        var reported: Int64 = 0
    }

    private let counts: Mutex<Counts>
    private let report: @Sendable (Int64) -> Void

    /// `alreadyDone` counts blocks the service held before this run (a resumed upload).
    init(alreadyDone: Int64 = 0, report: @escaping @Sendable (Int64) -> Void) {
        counts = Mutex(Counts(finishedBytes: alreadyDone))
        self.report = report
        if alreadyDone > 0 { self.publish(alreadyDone) }
    }

    /// An attempt of block `index` (of `length` bytes) has sent `bytes` so far.
    func sent(_ bytes: Int64, ofBlock index: Int, length: Int64) {
        counts.withLock { counts in
            let clamped = min(max(bytes, 0), length)
            guard clamped > counts.runningBytes[index, default: 0] else { return }
            counts.runningBytes[index] = clamped
            reportIfGrown(&counts)
        }
    }

    /// Block `index` is stored by the service.
    func finished(block index: Int, length: Int64) {
        counts.withLock { counts in
            counts.runningBytes[index] = nil
            counts.finishedBytes += length
            reportIfGrown(&counts)
        }
    }

    /// Reported while the lock is held, so calls arrive in increasing order.
    private func reportIfGrown(_ counts: inout Counts) {
        let total = counts.finishedBytes + counts.runningBytes.values.reduce(0, +)
        guard total > counts.reported else { return }
        counts.reported = total
        report(total)
    }

    private func publish(_ total: Int64) {
        counts.withLock { counts in
            counts.reported = total
            report(total)
        }
    }
}
