import Dispatch

/// Where an `AppendLog` runs its writes, one after another in the order they were handed
/// over: a dispatch queue of its own in the agent; in the simulator, a queue that the
/// simulated world runs a step at a time, so a crash can come between any two writes.
protocol LogWriterQueue: Sendable {
    /// Runs `work` after `delay` seconds (the group commit's gathering time).
    func async(after delay: Double, _ work: @escaping @Sendable () -> Void)
    func async(_ work: @escaping @Sendable () -> Void)
    /// Runs `work` after everything handed over before it, and returns when it ran.
    func sync(_ work: () -> Void)
}

/// Makes the writer queue of the log at a path.
typealias LogWriterQueues = @Sendable (_ path: String) -> any LogWriterQueue

/// The agent's writer queue: a serial dispatch queue per log.
struct DispatchLogWriterQueue: LogWriterQueue {
    let queue: DispatchQueue

    init(label: String) { queue = DispatchQueue(label: label) }

    static let make: LogWriterQueues = { path in DispatchLogWriterQueue(label: "journal \(path)") }

    func async(after delay: Double, _ work: @escaping @Sendable () -> Void) {
        queue.asyncAfter(deadline: .now() + delay, execute: work)
    }

    func async(_ work: @escaping @Sendable () -> Void) { queue.async(execute: work) }

    func sync(_ work: () -> Void) { queue.sync(execute: work) }
}
