/// The feature's timers: each is armed at most once at a time, and its expiry arrives in
/// the mailbox like any other event (`FeatureEvent.timer`).
enum FeatureTimer: Hashable, Sendable {
    /// The once-a-second round while uploads exist (request timeouts, compaction).
    case housekeeping
    /// The status file's next rebuild, a few times a second at most.
    case status
    /// The warning while no edge agent told the device identity.
    case identityWarning
    /// The next periodic upload of the activation window.
    case activation
    /// The deadline of the stop's current phase (`FeatureStop`).
    case stopPhase
}
