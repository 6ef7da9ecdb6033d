/// The file one upload sends: its path and the size it had when the upload started.
public struct UploadSource: Sendable, Equatable {
    /// The path the backend knows (file.path of the request): names, keys and messages.
    public var path: String
    public var size: Int64
    /// Where the bytes are read from. The agent reads through the descriptor it opened and
    /// checked (`/proc/self/fd/N`), so a link swapped after the check cannot redirect the
    /// read to another file; tests and the `upload` command read `path` itself.
    public var readPath: String

    public init(path: String, size: Int64, readPath: String? = nil) {
        self.path = path
        self.size = size
        self.readPath = readPath ?? path
    }

    /// The last path component: the default object, blob and attachment name.
    public var baseName: String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
