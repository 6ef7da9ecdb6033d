import Synchronization

/// Holds the resume state of a running block upload and tells an observer each time a
/// block is stored, so whoever persists upload state can save it and resume after a
/// restart. Shared by the concurrent block tasks, hence locked.
public final class AzureBlockListStateStore: Sendable {
    private struct Contents {
        var state: AzureBlockListState?
        var storedIndexes: Set<Int> = []
    }

    private let contents = Mutex(Contents())
    private let onChange: (@Sendable (AzureBlockListState?) -> Void)?

    public init(onChange: (@Sendable (AzureBlockListState?) -> Void)? = nil) {
        self.onChange = onChange
    }

    /// The state now: nil before a block upload started and after its commit.
    public var current: AzureBlockListState? { contents.withLock { $0.state } }

    /// Starts tracking an upload whose blocks `storedIndexes` the service already holds.
    func begin(blobURL: String, plan: AzureBlockPlan, storedIndexes: Set<Int> = []) {
        contents.withLock { contents in
            contents.storedIndexes = storedIndexes
            let state = AzureBlockListState(blobURL: blobURL, fileSize: plan.fileSize, blockSize: plan.blockSize,
                                            blockIDs: storedIndexes.sorted().map(AzureBlockPlan.blockID))
            contents.state = state
            onChange?(state)
        }
    }

    /// Records that block `index` is stored; ids stay in block order.
    func stored(blockIndex index: Int) {
        contents.withLock { contents in
            guard var state = contents.state, contents.storedIndexes.insert(index).inserted else { return }
            state.blockIDs = contents.storedIndexes.sorted().map(AzureBlockPlan.blockID)
            contents.state = state
            onChange?(state)
        }
    }

    /// The upload is committed (or abandoned): nothing left to resume.
    func clear() {
        contents.withLock { contents in
            contents.state = nil
            contents.storedIndexes = []
            onChange?(nil)
        }
    }
}
