import Synchronization

/// Known defects the simulator must catch, put back on request in debug builds only
/// (`make simulate FAULT=<name>`): a simulator that cannot fail proves nothing. A release
/// build compiles every check to `false`.
enum InjectedFault: String, CaseIterable, Sendable {
    /// A `lastUpload` goes out before the journal record holding its state is on disk.
    case publishBeforeDurable = "publish-before-durable"
    /// Requests an upload leaves unanswered fill the window for every other upload.
    case windowNotShared = "window-not-shared"
    /// An upload whose journal records are damaged is dropped without a final state.
    case forgetDamaged = "forget-damaged"
    /// Uploads paused for a spent data budget stay paused when the link carries again.
    case holdNeverLifted = "hold-never-lifted"

    #if DEBUG
    private static let current = Mutex<InjectedFault?>(nil)

    /// Puts `fault` back (nil: none) for the whole process.
    static func inject(_ fault: InjectedFault?) { current.withLock { $0 = fault } }

    var isInjected: Bool { Self.current.withLock { $0 } == self }
    #else
    /// A release build (the simulator's fast run) has no defects to put back.
    static func inject(_ fault: InjectedFault?) {
        precondition(fault == nil, "faults are put back in debug builds only (make simulate FAULT=… builds one)")
    }

    var isInjected: Bool { false }
    #endif
}
