#if canImport(Glibc)
import Glibc
#endif

/// Decides which files a trigger uploads: the configured `files` glob, or the trigger's
/// own `upload.files` glob when `mode` allows it. Nothing is read before the decision.
public struct FileSelector: Sendable {
    public var configuredGlob: String
    public var mode: UploadMode

    public init(configuredGlob: String, mode: UploadMode) {
        self.configuredGlob = configuredGlob
        self.mode = mode
    }

    /// The regular files to upload, sorted; throws the error to answer with.
    public func select(requestedGlob: String?) throws(OperationError) -> [String] {
        let requested = requestedGlob.flatMap { $0.isEmpty ? nil : $0 }
        guard let requested else {
            guard !configuredGlob.isEmpty else { throw .failed("no files are configured for upload ('files' is empty)") }
            return try matches(configuredGlob)
        }
        switch mode {
        case .strict:
            guard requested == configuredGlob else {
                throw .badRequest("'upload.files' '\(requested)' is not permitted: mode is strict, only the configured files may be uploaded")
            }
            return try matches(requested)
        case .scoped:
            // fnmatch lets `*` match `..`, so `/var/log/*/../../etc/passwd` would pass the
            // pattern check while naming a file outside the scope.
            guard !requested.split(separator: "/").contains("..") else {
                throw .badRequest("'upload.files' '\(requested)' is not permitted: '..' may not be used in scoped mode")
            }
            guard !configuredGlob.isEmpty else {
                throw .badRequest("'upload.files' '\(requested)' is not permitted: mode is scoped and no 'files' are configured")
            }
            let found = try matches(requested)
            if let outside = found.first(where: { !Self.pattern(configuredGlob, matches: $0) }) {
                throw .badRequest("'upload.files' '\(requested)' is not permitted: \(outside) lies outside the configured files")
            }
            return found
        case .lax:
            return try matches(requested)
        }
    }

    /// Regular files matching `pattern`, sorted. Directories, devices and sockets are skipped.
    func matches(_ pattern: String) throws(OperationError) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        let code = Glibc.glob(pattern, 0, nil, &result)
        guard code == 0 || code == GLOB_NOMATCH else {
            throw .failed("cannot expand '\(pattern)': glob error \(code)")
        }
        var paths: [String] = []
        for index in 0..<Int(result.gl_pathc) {
            guard let pointer = result.gl_pathv[index] else { continue }
            let path = String(cString: pointer)
            if FileCheck.regularFileSize(path) != nil { paths.append(Self.absolute(path)) }
        }
        guard !paths.isEmpty else { throw .failed("no files match '\(pattern)'") }
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
