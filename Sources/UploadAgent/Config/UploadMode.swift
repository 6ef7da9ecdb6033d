/// How far a trigger's `upload.files` glob may reach beyond the configured `files`.
public enum UploadMode: String, Sendable, CaseIterable {
    /// Only the configured glob itself.
    case strict
    /// Any glob whose every match also matches the configured glob.
    case scoped
    /// Anything the process can read.
    case lax
}
