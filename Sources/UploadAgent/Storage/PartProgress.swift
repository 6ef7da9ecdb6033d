import Synchronization

/// Adds up the bytes of parts (S3 parts, Azure blocks) that travel at the same time into
/// one total that only grows: finished parts plus the most any attempt of each running
/// part has sent. A retried part starts again from zero, but the total a person sees
/// must not go back.
final class PartProgress: Sendable {
    private struct Counts {
        var finished: Int64
        var running: [Int: Int64] = [:]
        var reported: Int64 = 0
    }

    private let counts: Mutex<Counts>
    private let report: @Sendable (Int64) -> Void

    /// `alreadyDone` counts parts the storage held before this run (a resumed upload);
    /// it is reported at once.
    init(alreadyDone: Int64 = 0, report: @escaping @Sendable (Int64) -> Void) {
        counts = Mutex(Counts(finished: alreadyDone))
        self.report = report
        if alreadyDone > 0 { counts.withLock { reportIfGrown(&$0) } }
    }

    /// An attempt of part `part` (of `length` bytes) has sent `bytes` so far.
    func sent(_ bytes: Int64, part: Int, length: Int64) {
        counts.withLock { counts in
            let clamped = min(max(bytes, 0), length)
            guard clamped > counts.running[part, default: 0] else { return }
            counts.running[part] = clamped
            reportIfGrown(&counts)
        }
    }

    /// Part `part` (`length` bytes) is stored.
    func completed(part: Int, length: Int64) {
        counts.withLock { counts in
            counts.running[part] = nil
            counts.finished += length
            reportIfGrown(&counts)
        }
    }

    /// The highest total reported so far.
    var reported: Int64 { counts.withLock { $0.reported } }

    /// Reports under the lock, so totals arrive in increasing order.
    private func reportIfGrown(_ counts: inout Counts) {
        let total = counts.finished + counts.running.values.reduce(0, +)
        guard total > counts.reported else { return }
        counts.reported = total
        report(total)
    }
}
