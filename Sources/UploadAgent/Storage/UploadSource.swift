/// The file one upload sends: its path and the size it had when the upload started.
public struct UploadSource: Sendable, Equatable {
    public var path: String
    public var size: Int64

    public init(path: String, size: Int64) {
        self.path = path
        self.size = size
    }

    /// The last path component: the default object, blob and attachment name.
    public var baseName: String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
