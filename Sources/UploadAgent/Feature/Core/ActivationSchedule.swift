/// The periodic uploads as the feature runs them: the activation window, when it last ran
/// and when it runs next. A value with its own tests; the feature arms a timer for
/// `nextRunAt` and journals `persisted`, so a restart keeps the window and its last run.
struct ActivationSchedule: Sendable, Equatable {
    private(set) var window: ActivationWindow?
    private(set) var lastRun: Double?
    /// Nil when no run is planned (inactive, or the window has none left).
    private(set) var nextRunAt: Double?

    var isActive: Bool { window != nil }

    /// What the journal keeps.
    var persisted: PersistedWindow? { window.map { PersistedWindow(window: $0, lastRun: lastRun) } }

    init(window: ActivationWindow? = nil, lastRun: Double? = nil) {
        self.window = window
        self.lastRun = lastRun
    }

    /// A new window (or none): its runs count from scratch.
    mutating func replace(with window: ActivationWindow?) {
        self = ActivationSchedule(window: window)
    }

    /// Plans the next run from `now`: the time, or nil when the window has none left.
    mutating func planNext(now: Double) -> Double? {
        nextRunAt = window?.nextRun(now: now, lastRun: lastRun)
        return nextRunAt
    }

    /// The planned run happened (or was skipped): the next counts from it.
    mutating func ran(at time: Double) {
        lastRun = time
        nextRunAt = nil
    }

    mutating func unplan() { nextRunAt = nil }
}
