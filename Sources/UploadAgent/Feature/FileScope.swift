#if canImport(Glibc)
import Glibc
#endif

/// The part of the file system one glob covers, for judging where a symbolic link leads.
/// A file is in scope when its real path (every link resolved) matches the glob, or lies
/// in a folder the glob's folder part matches: `app.log -> app.log.1` beside it (log
/// rotation) stays in scope, `leak.log -> /etc/shadow` does not.
///
/// Links in the glob's fixed leading folders (`/var/run -> /run`) were chosen by whoever
/// wrote the glob, so the glob is also read with those folders resolved.
struct FileScope: Sendable {
    /// The glob, absolute, as written and with its fixed leading folders resolved.
    let patterns: [String]
    /// The same for the folder part (everything before the last `/`).
    let folderPatterns: [String]

    init(glob: String) {
        let absolute = FileSelector.absolute(glob)
        var patterns = [absolute]
        if let resolved = Self.resolvingFixedPrefix(absolute), resolved != absolute { patterns.append(resolved) }
        self.patterns = patterns
        folderPatterns = patterns.map(Self.folder)
    }

    /// Whether the file whose links resolve to `realPath` lies in this scope.
    func contains(realPath: String) -> Bool {
        let folder = Self.folder(realPath)
        return patterns.contains { fnmatch($0, realPath, FNM_PATHNAME) == 0 }
            || folderPatterns.contains { fnmatch($0, folder, FNM_PATHNAME) == 0 }
    }

    /// Everything before the last `/` ("/" for a file in the root).
    static func folder(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The folder a glob's matches are named relative to in an archive: its leading
    /// folders that hold no glob characters (`/var/log` for `/var/log/**/*.log`).
    static func fixedFolder(of pattern: String) -> String {
        let components = pattern.split(separator: "/", omittingEmptySubsequences: false)
        let firstGlob = components.firstIndex { $0.contains(where: { "*?[\\".contains($0) }) } ?? components.count - 1
        let fixed = components[..<max(firstGlob, 0)].joined(separator: "/")
        return fixed.isEmpty ? "/" : fixed
    }

    /// `pattern` with its leading folders that hold no glob characters replaced by their
    /// real path, or nil when there are none or they do not exist.
    static func resolvingFixedPrefix(_ pattern: String) -> String? {
        let components = pattern.split(separator: "/", omittingEmptySubsequences: false)
        guard let firstGlob = components.firstIndex(where: { $0.contains(where: { "*?[\\".contains($0) }) }) else {
            // No glob at all: the folder of the named file is the fixed part.
            guard components.count > 2 else { return nil }
            return resolve(prefix: components.dropLast().joined(separator: "/"), rest: String(components.last!))
        }
        guard firstGlob > 1 else { return nil }
        return resolve(prefix: components[..<firstGlob].joined(separator: "/"),
                       rest: components[firstGlob...].joined(separator: "/"))
    }

    private static func resolve(prefix: String, rest: String) -> String? {
        guard let real = realPath(prefix) else { return nil }
        return (real == "/" ? "" : escaped(real)) + "/" + rest
    }

    /// The path with every link resolved, or nil when some part of it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = Glibc.realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// A literal path as a glob: its glob characters escaped.
    static func escaped(_ literal: String) -> String {
        var result = ""
        for character in literal {
            if "*?[\\".contains(character) { result.append("\\") }
            result.append(character)
        }
        return result
    }
}
