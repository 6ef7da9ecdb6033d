import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Keeps the data budget's period and what was spent in it in `<stateDir>/budget.json`, so a
/// restart inside a period does not hand out a fresh budget. Written atomically (temporary
/// file, fsync, rename) on a queue of its own, never on the transfer thread; a kill -9 loses
/// at most the last second of counting, a stop nothing.
public final class DataBudgetStore: Sendable {
    public let path: String
    private let queue = DispatchQueue(label: "data-budget-store")
    private let onError: @Sendable (String) -> Void

    public init(stateDir: String, onError: @escaping @Sendable (String) -> Void) {
        path = stateDir + "/budget.json"
        self.onError = onError
    }

    /// The saved budget under `limit` (its period and spending kept), moved to the period of
    /// `now`; a first start, or a file that cannot be read, begins a period at `now`.
    public func load(_ limit: DataBudget.Limit, now: Double) -> DataBudget {
        let fresh = DataBudget(limit: limit.bytes, period: limit.period, periodStart: now)
        guard FileManager.default.fileExists(atPath: path) else { return fresh }
        guard let data = FileManager.default.contents(atPath: path),
              let saved = try? JSONDecoder().decode(DataBudget.self, from: data) else {
            onError("\(path) cannot be read as a data budget; counting starts again from 0 now")
            return fresh
        }
        var budget = saved.configured(limit)
        budget.advance(to: now)
        return budget
    }

    /// Saves `budget` soon, off the caller's thread.
    public func save(_ budget: DataBudget) {
        queue.async { [self] in write(budget) }
    }

    /// Saves `budget` now (at a stop), after any save still queued.
    public func saveNow(_ budget: DataBudget) {
        queue.sync { write(budget) }
    }

    private func write(_ budget: DataBudget) {
        do {
            try StatusFileWriter.writeAtomically(CompactJSONEncoder.encode(budget) + [10], to: path)
        } catch let error as StatusFileWriter.StatusWriteError {
            onError(error.message)
        } catch {
            onError("cannot save the data budget: \(error)")
        }
    }
}
