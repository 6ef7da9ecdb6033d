/// How a file differs from the identity recorded at its selection, for an active log: a
/// file that only grew is still uploaded as it was (its first `size` bytes); one truncated,
/// replaced or rewritten in place cannot give those bytes again.
enum FileChange: Equatable {
    case unchanged
    /// Same file, longer, newer: lines were appended (a log being written).
    case grew(to: Int64)
    case truncated(to: Int64)
    /// Another file under the name (log rotation, a new download).
    case replaced
    /// Same file and size, another modification time: written over in place.
    case rewritten

    init(from recorded: FileIdentity, to current: FileIdentity) {
        if current == recorded {
            self = .unchanged
        } else if !current.isSameFile(as: recorded) {
            self = .replaced
        } else if current.size < recorded.size {
            self = .truncated(to: current.size)
        } else if current.size > recorded.size {
            self = .grew(to: current.size)
        } else {
            self = .rewritten
        }
    }

    /// Whether the first `recorded.size` bytes can still be read as they were.
    var keepsSelectedBytes: Bool {
        switch self {
        case .unchanged, .grew: true
        case .truncated, .replaced, .rewritten: false
        }
    }

    /// Why an upload that began cannot go on, for `lastUpload` and the log.
    func resumeRefusal(selectedSize: Int64) -> String {
        switch self {
        case .unchanged, .grew: ""
        case .truncated(let size):
            "the file changed since its upload began: it was truncated from \(selectedSize) to \(size) bytes, so it was not resumed"
        case .replaced:
            "the file changed since its upload began: another file (another inode) now has its name, so it was not resumed"
        case .rewritten:
            "the file changed since its upload began: it was written over (same size, new modification time), so it was not resumed"
        }
    }
}
