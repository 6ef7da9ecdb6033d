/// Running sums over the files of one upload: bytes in all, bytes done, files per state.
/// Kept up to date as each file changes, so progress and counts cost O(1) per event
/// whatever the number of files.
struct UploadTotals: Sendable, Equatable {
    var totalBytes: Int64 = 0
    var doneBytes: Int64 = 0
    private var counts = [Int](repeating: 0, count: UploadState.allCases.count)

    mutating func add(_ file: FileRecord) { apply(file, sign: 1) }
    mutating func remove(_ file: FileRecord) { apply(file, sign: -1) }

    /// Wrapping arithmetic: a journal read from a damaged disk may hold any numbers, and
    /// absurd sums must show as absurd progress, never trap.
    private mutating func apply(_ file: FileRecord, sign: Int64) {
        totalBytes &+= sign &* file.size
        doneBytes &+= sign &* min(file.transferred, file.size)
        counts[Self.slot(file.state)] &+= Int(sign)
    }

    func count(_ state: UploadState) -> Int { counts[Self.slot(state)] }

    /// Files that will not change any more.
    var finished: Int { count(.success) + count(.failed) + count(.canceled) }

    private static func slot(_ state: UploadState) -> Int {
        UploadState.allCases.firstIndex(of: state)!
    }

    /// The states that have files, with their counts, for the status file.
    var stateCounts: FileStateCounts {
        FileStateCounts(counts: UploadState.allCases.compactMap { state in count(state) > 0 ? (state, count(state)) : nil })
    }
}
