import Synchronization

/// Tells waiting tests that something they may be waiting for happened (a message
/// published, a request sent, a batch of events handled), so they check their condition
/// again then, instead of polling on a timer. Shared by all tests: a wake-up meant for
/// another test only costs one more look at the condition.
final class ChangeSignal: Sendable {
    static let shared = ChangeSignal()

    private let state = Mutex<(generation: UInt64, waiters: [CheckedContinuation<Void, Never>])>((0, []))

    var generation: UInt64 { state.withLock { $0.generation } }

    func tell() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once something changed after `generation` was read (at once if it already did).
    func wait(after generation: UInt64) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let changed = state.withLock { state in
                if state.generation != generation { return true }
                state.waiters.append(continuation)
                return false
            }
            if changed { continuation.resume() }
        }
    }

    /// Waits, each time something changes, until `condition` holds or `limit` passed
    /// (a failing test's bound, not a way to wait: a passing one never reaches it).
    func until(_ condition: @Sendable () async -> Bool, limit: Duration = .seconds(10)) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        let alarm = Task { [self] in
            try? await clock.sleep(until: deadline)
            tell()
        }
        defer { alarm.cancel() }
        while true {
            let seen = generation
            if await condition() { return true }
            if clock.now >= deadline { return false }
            await wait(after: seen)
        }
    }
}
