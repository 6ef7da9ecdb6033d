/// One file inside an archive: where it is read from, the name it is stored under
/// (relative to the upload folder) and the file as it was selected. Only its first
/// `identity.size` bytes go in, with the selection's modification time: a log that grew
/// since is archived as it was selected.
public struct ArchiveMember: Codable, Sendable, Equatable {
    public var path: String
    public var name: String
    public var identity: FileIdentity

    public init(path: String, name: String, identity: FileIdentity) {
        self.path = path
        self.name = name
        self.identity = identity
    }

    /// `path` relative to `folder` (the upload folder), or without its leading `/` when it
    /// lies elsewhere: never absolute, never with a `..` that would unpack outside.
    static func name(of path: String, in folder: String) -> String {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        let relative = path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
        let parts = relative.split(separator: "/").filter { $0 != "." && $0 != ".." }
        return parts.joined(separator: "/")
    }
}
