/// The trigger options that choose what is uploaded and in which turn (`upload.from`,
/// `upload.to`, `upload.maxFileSize`, `upload.maxTotalSize`, `upload.maxFiles`,
/// `upload.order`, `upload.priority`) and how the files go out (`upload.archive`,
/// `upload.compress`), each falling back to the config's default when the
/// trigger does not name it. A bad value is a 400 naming the option, before anything runs.
public struct SelectionOptions: Sendable, Equatable {
    public var filter = SelectionFilter()
    /// Higher first: a trigger's files go before those of lower-priority uploads that
    /// have not started.
    public var priority = 0
    /// `upload.archive`: the selected files go out as one archive of this format.
    public var archive: ArchiveFormat?
    /// `upload.compress: gzip`: each file goes out gzip-compressed, named `.gz`.
    public var compress = false

    public init(filter: SelectionFilter = SelectionFilter(), priority: Int = 0, archive: ArchiveFormat? = nil,
                compress: Bool = false) {
        self.filter = filter
        self.priority = priority
        self.archive = archive
        self.compress = compress
    }

    /// Reads the options, each from the trigger or else from `defaults` (the config's).
    public static func parse(_ options: [String: String], defaults: [String: String] = [:],
                             now: Double) throws(OperationError) -> SelectionOptions {
        func value(_ name: String) -> String? {
            let text = options[name] ?? defaults[name]
            return text.flatMap { $0.trimmingCharacters(in: " ").isEmpty ? nil : $0 }
        }
        var parsed = SelectionOptions()
        if let text = value("upload.from") { parsed.filter.from = try time("upload.from", text, now: now) }
        if let text = value("upload.to") { parsed.filter.to = try time("upload.to", text, now: now) }
        if let from = parsed.filter.from, let to = parsed.filter.to, to < from {
            throw .badRequest("'upload.to' \(RFC3339.format(to)) is before 'upload.from' \(RFC3339.format(from))")
        }
        if let text = value("upload.maxFileSize") { parsed.filter.maxFileSize = try size("upload.maxFileSize", text) }
        if let text = value("upload.maxTotalSize") { parsed.filter.maxTotalSize = try size("upload.maxTotalSize", text) }
        if let text = value("upload.maxFiles") { parsed.filter.maxFiles = try count("upload.maxFiles", text) }
        if let text = value("upload.order") {
            guard let order = UploadOrder(rawValue: text.lowercased()) else {
                throw .badRequest("'upload.order' '\(BoundedText.cut(text))' is not one of oldest, newest")
            }
            parsed.filter.order = order
        }
        if let text = value("upload.priority") {
            guard let priority = Int(text), abs(priority) <= 1_000_000 else {
                throw .badRequest("'upload.priority' '\(BoundedText.cut(text))' is not a whole number between -1000000 and 1000000")
            }
            parsed.priority = priority
        }
        if let text = value("upload.archive"), text.lowercased() != "none" {
            guard let format = ArchiveFormat(rawValue: text.lowercased()) else {
                throw .badRequest("'upload.archive' '\(BoundedText.cut(text))' is not one of tar.gz, zip, none")
            }
            parsed.archive = format
        }
        if let text = value("upload.compress") {
            guard ["gzip", "none"].contains(text.lowercased()) else {
                throw .badRequest("'upload.compress' '\(BoundedText.cut(text))' is not one of gzip, none")
            }
            parsed.compress = text.lowercased() == "gzip"
        }
        if parsed.archive != nil && parsed.compress {
            throw .badRequest("'upload.compress' and 'upload.archive' exclude each other: an archive is compressed already")
        }
        return parsed
    }

    static func time(_ name: String, _ text: String, now: Double) throws(OperationError) -> Double {
        guard let time = SelectionTime.parse(text, now: now) else {
            throw .badRequest("'\(name)' '\(BoundedText.cut(text))' is not a time (RFC 3339, epoch seconds, or an age such as 2h or 3d)")
        }
        return time
    }

    static func size(_ name: String, _ text: String) throws(OperationError) -> Int64 {
        guard let size = ByteRate.parse(text) else {
            throw .badRequest("'\(name)' '\(BoundedText.cut(text))' is not a size such as 10MB or 512KiB")
        }
        return size
    }

    static func count(_ name: String, _ text: String) throws(OperationError) -> Int {
        guard let count = Int(text), count >= 0 else {
            throw .badRequest("'\(name)' '\(BoundedText.cut(text))' is not a whole number of files")
        }
        return count
    }
}
