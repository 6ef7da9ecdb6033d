/// What a trigger keeps of the files its glob matched: a modification-time window, a size
/// bound per file and in total, a number of files, and the order they go out in. A pure
/// value over what the selector already read (each file's identity), so nothing is opened
/// twice and every bound is decided before the first request.
public struct SelectionFilter: Sendable, Equatable {
    /// Only files modified at or after this time (epoch seconds).
    public var from: Double?
    /// Only files modified at or before this time.
    public var to: Double?
    public var maxFileSize: Int64?
    public var maxTotalSize: Int64?
    public var maxFiles: Int?
    /// Nil: path order.
    public var order: UploadOrder?

    public init(from: Double? = nil, to: Double? = nil, maxFileSize: Int64? = nil, maxTotalSize: Int64? = nil,
                maxFiles: Int? = nil, order: UploadOrder? = nil) {
        self.from = from
        self.to = to
        self.maxFileSize = maxFileSize
        self.maxTotalSize = maxTotalSize
        self.maxFiles = maxFiles
        self.order = order
    }

    /// The selection with the filter applied: files outside the time window dropped, files
    /// over a size bound or beyond the count listed as refused with the reason, the rest
    /// in `order`. Throws a message naming the filter that left nothing.
    public func apply(to selection: FileSelection, pattern: String) throws(OperationError) -> FileSelection {
        var result = FileSelection(files: [], refused: selection.refused)
        let matched = selection.files.count
        let inWindow = selection.files.filter { file in
            let modified = Double(file.identity.modified) / 1e9
            return (from.map { modified >= $0 } ?? true) && (to.map { modified <= $0 } ?? true)
        }
        guard !inWindow.isEmpty else {
            throw .failed("no files to upload: none of the \(matched) file(s) matching '\(BoundedText.cut(pattern))' was modified \(windowText)")
        }
        var candidates = inWindow
        if let order {
            candidates.sort { a, b in
                a.identity.modified == b.identity.modified ? a.path < b.path
                    : (order == .oldest) == (a.identity.modified < b.identity.modified)
            }
        }
        var total: Int64 = 0
        for file in candidates {
            let size = file.identity.size
            if let maxFileSize, size > maxFileSize {
                result.refused.append((file.path, "larger than upload.maxFileSize (\(size) > \(maxFileSize) bytes)"))
            } else if let maxFiles, result.files.count >= maxFiles {
                result.refused.append((file.path, "beyond upload.maxFiles (\(maxFiles))"))
            } else if let maxTotalSize, total + size > maxTotalSize {
                result.refused.append((file.path, "beyond upload.maxTotalSize (\(maxTotalSize) bytes)"))
            } else {
                total += size
                result.files.append(file)
            }
        }
        guard result.files.isEmpty else { return result }
        let kept = inWindow.count
        if let maxFileSize, inWindow.allSatisfy({ $0.identity.size > maxFileSize }) {
            throw .failed("no files to upload: all \(kept) file(s) selected are larger than upload.maxFileSize (\(maxFileSize) bytes)")
        }
        if maxFiles == 0 { throw .failed("no files to upload: upload.maxFiles is 0") }
        let bounds = maxFileSize == nil ? "" : "upload.maxFileSize or "
        throw .failed("no files to upload: each of the \(kept) file(s) selected exceeds \(bounds)upload.maxTotalSize (\(maxTotalSize ?? 0) bytes) alone")
    }

    var windowText: String {
        switch (from, to) {
        case let (from?, to?): "between \(RFC3339.format(from)) and \(RFC3339.format(to)) (upload.from, upload.to)"
        case let (from?, nil): "since \(RFC3339.format(from)) (upload.from)"
        case let (nil, to?): "before \(RFC3339.format(to)) (upload.to)"
        case (nil, nil): "at any time"
        }
    }
}
