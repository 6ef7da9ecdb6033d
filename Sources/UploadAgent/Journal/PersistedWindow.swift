/// The activation window as the journal keeps it: the window and when it last ran, so
/// periodic uploads continue on the same beat after a restart.
struct PersistedWindow: Codable, Sendable, Equatable {
    var window: ActivationWindow
    var lastRun: Double?
}
