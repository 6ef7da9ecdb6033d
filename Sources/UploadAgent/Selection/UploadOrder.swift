/// The order a trigger's files go out in (`upload.order`). Without the option they go in
/// path order, as Kanto sends them, so a backend written for Kanto sees no change.
public enum UploadOrder: String, Sendable, Equatable, CaseIterable {
    /// Oldest modification time first.
    case oldest
    /// Newest modification time first: after days offline, the latest diagnostics first.
    case newest
}
