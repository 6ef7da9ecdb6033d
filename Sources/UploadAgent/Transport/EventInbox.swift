import Synchronization

/// Hands events from the MQTT thread to the feature in batches, in order, never dropping
/// one (unbounded, like the broker's stream of commands). The thread only appends; the
/// consumer is woken when it waits, and otherwise finds everything that came in while it
/// was busy in one batch: a burst of a thousand messages costs a few task switches and
/// actor hops, not a thousand.
public final class EventInbox<Event: Sendable>: Sendable {
    private struct State {
        var events: [Event] = []
        var waiting: CheckedContinuation<[Event]?, Never>?
        var finished = false
    }
    private let state = Mutex(State())

    public init() {}

    public func yield(_ event: Event) {
        let waiting = state.withLock { state -> CheckedContinuation<[Event]?, Never>? in
            guard !state.finished else { return nil }
            guard let waiting = state.waiting else {
                state.events.append(event)
                return nil
            }
            state.waiting = nil
            return waiting
        }
        waiting?.resume(returning: [event])
    }

    /// No events after this one; the consumer gets what is left, then nil.
    public func finish() {
        let waiting = state.withLock { state in
            state.finished = true
            defer { state.waiting = nil }
            return state.waiting
        }
        waiting?.resume(returning: nil)
    }

    /// Everything that came in since the last take, without waiting (none: empty): for a
    /// driver that runs the consumer itself, a step at a time.
    public func takeAll() -> [Event] {
        state.withLock { state in
            defer { state.events = [] }
            return state.events
        }
    }

    /// Everything that came in since the last call (waits for at least one); nil once
    /// finished and drained. One consumer only.
    public func next() async -> [Event]? {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> [Event]?? in
                if !state.events.isEmpty {
                    defer { state.events = [] }
                    return .some(state.events)
                }
                if state.finished { return .some(nil) }
                state.waiting = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
