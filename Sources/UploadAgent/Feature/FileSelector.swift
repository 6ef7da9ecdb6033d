#if canImport(Glibc)
import Glibc
#endif

/// Decides which files a trigger uploads: the configured `files` glob, or the trigger's
/// own `upload.files` glob when `mode` allows it. Nothing is read before the decision, and
/// a symbolic link is followed only where it stays inside the scope (see `FileScope`).
public struct FileSelector: Sendable {
    public var configuredGlob: String
    public var mode: UploadMode
    /// Told of every match refused for leading outside the scope (a warning in the log).
    public var warn: @Sendable (String) -> Void

    public init(configuredGlob: String, mode: UploadMode, warn: @escaping @Sendable (String) -> Void = { _ in }) {
        self.configuredGlob = configuredGlob
        self.mode = mode
        self.warn = warn
    }

    /// A path pattern longer than the longest path Linux takes cannot name a file.
    static let maxPatternLength = 4096

    /// The regular files to upload, sorted, and the matches refused because a link leads
    /// outside the scope; throws the error to answer with (also when every match is refused).
    ///
    /// The scope is the glob that was asked for and, in scoped mode, also the configured
    /// one; a requested glob in lax mode may lead anywhere (that is what lax means), while
    /// the configured `files` always keep their links inside.
    public func select(requestedGlob: String?) throws(OperationError) -> FileSelection {
        let requested = requestedGlob.flatMap { $0.isEmpty ? nil : $0 }
        if let requested, requested.utf8.count > Self.maxPatternLength {
            throw .badRequest("'upload.files' '\(BoundedText.cut(requested))' is longer than \(Self.maxPatternLength) bytes")
        }
        guard let requested else {
            guard !configuredGlob.isEmpty else { throw .failed("no files are configured for upload ('files' is empty)") }
            return try selection(configuredGlob, scopes: [FileScope(glob: configuredGlob)])
        }
        switch mode {
        case .strict:
            guard requested == configuredGlob else {
                throw .badRequest("'upload.files' '\(BoundedText.cut(requested))' is not permitted: mode is strict, only the configured files may be uploaded")
            }
            return try selection(requested, scopes: [FileScope(glob: requested)])
        case .scoped:
            // fnmatch lets `*` match `..`, so `/var/log/*/../../etc/passwd` would pass the
            // pattern check while naming a file outside the scope.
            guard !requested.split(separator: "/").contains("..") else {
                throw .badRequest("'upload.files' '\(BoundedText.cut(requested))' is not permitted: '..' may not be used in scoped mode")
            }
            guard !configuredGlob.isEmpty else {
                throw .badRequest("'upload.files' '\(BoundedText.cut(requested))' is not permitted: mode is scoped and no 'files' are configured")
            }
            let found = try matches(requested)
            if let outside = found.first(where: { !Self.pattern(configuredGlob, matches: $0) }) {
                throw .badRequest("'upload.files' '\(BoundedText.cut(requested))' is not permitted: \(outside) lies outside the configured files")
            }
            return try selection(requested, found: found,
                                 scopes: [FileScope(glob: requested), FileScope(glob: configuredGlob)])
        case .lax:
            return try selection(requested, scopes: [])
        }
    }

    /// The matches of `pattern` whose real path lies in every one of `scopes`.
    func selection(_ pattern: String, found: [String]? = nil, scopes: [FileScope]) throws(OperationError) -> FileSelection {
        var selection = FileSelection(files: [], refused: [])
        let candidates: [String]
        if let found { candidates = found } else { candidates = try matches(pattern) }
        for path in candidates {
            guard let (realPath, identity) = Self.inspect(path) else { continue }  // gone or not a regular file
            if realPath != path, scopes.contains(where: { !$0.contains(realPath: realPath) }) {
                selection.refused.append((path, "a symbolic link that leads outside the upload scope"))
                warn("not uploading \(path): it is a link to \(realPath), outside '\(pattern)'")
                continue
            }
            selection.files.append(FileSelection.File(path: path, realPath: realPath, identity: identity))
        }
        guard !selection.files.isEmpty else {
            guard selection.refused.isEmpty else {
                let names = selection.refused.map(\.path).joined(separator: ", ")
                throw .failed("no files to upload: every match of '\(BoundedText.cut(pattern))' is a symbolic link that leads outside the upload scope (\(names))")
            }
            throw .failed("no files match '\(BoundedText.cut(pattern))'")
        }
        return selection
    }

    /// The real path of the regular file `path` names and that file's identity, both read
    /// from one open descriptor, so they describe the same file even while links change.
    /// Nil for anything but a regular file (directories, devices, dangling links).
    static func inspect(_ path: String) -> (realPath: String, identity: FileIdentity)? {
        guard FileCheck.regularFileSize(path) != nil else { return nil }  // no open of FIFOs or devices
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        guard let identity = FileIdentity.of(descriptor: descriptor) else { return nil }
        if let linked = readLink("/proc/self/fd/\(descriptor)"), linked.hasPrefix("/") {
            return (linked, identity)
        }
        // Without /proc: resolve the name, and make sure it still names the opened file.
        guard let real = FileScope.realPath(path), let named = FileIdentity.of(path: real),
              named.isSameFile(as: identity) else { return nil }
        return (real, identity)
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink(path, &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Regular files matching `pattern`, sorted. Directories, devices and sockets are skipped.
    func matches(_ pattern: String) throws(OperationError) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        let code = Glibc.glob(pattern, 0, nil, &result)
        guard code == 0 || code == GLOB_NOMATCH else {
            throw .failed("cannot expand '\(BoundedText.cut(pattern))': glob error \(code)")
        }
        var paths: [String] = []
        for index in 0..<Int(result.gl_pathc) {
            guard let pointer = result.gl_pathv[index] else { continue }
            let path = String(cString: pointer)
            if FileCheck.regularFileSize(path) != nil { paths.append(Self.absolute(path)) }
        }
        guard !paths.isEmpty else { throw .failed("no files match '\(BoundedText.cut(pattern))'") }
        return paths.sorted()
    }

    /// Whether `path` matches the shell glob `pattern` (a `*` does not cross `/`).
    public static func pattern(_ pattern: String, matches path: String) -> Bool {
        fnmatch(pattern, path, FNM_PATHNAME) == 0 || fnmatch(absolute(pattern), path, FNM_PATHNAME) == 0
    }

    static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return cwd + "/" + path
    }
}
