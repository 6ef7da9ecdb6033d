import Synchronization
@testable import UploadAgent

/// A clock that moves only when the test says: `advance(by:)` moves the wall and the
/// monotonic clock together and wakes, in deadline order, every sleeper whose time came.
/// A timer under test then fires because the test advanced time, never because real
/// time passed.
final class TestClock: AgentClock {
    private struct Sleeper {
        let id: Int
        let deadline: Double
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var wall: Double
        var elapsed: Double = 0
        var sleepers: [Sleeper] = []
        var cancelled: Set<Int> = []
        var nextId = 0
    }

    private let state: Mutex<State>

    init(now: Double) { state = Mutex(State(wall: now)) }

    func now() -> Double { state.withLock { $0.wall } }

    func uptime() -> Double { state.withLock { $0.elapsed } }

    /// How many are asleep on this clock: a test waits for a timer to be armed before it advances.
    var sleeping: Int { state.withLock { $0.sleepers.count } }

    func sleep(until deadline: Double) async throws {
        let id = state.withLock { state in
            state.nextId += 1
            return state.nextId
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    if state.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= state.elapsed { return .success(()) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let sleeper: Sleeper? = state.withLock { state in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else {
                    state.cancelled.insert(id)
                    return nil
                }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Sets the wall clock anywhere (a gateway without a real-time clock boots in the past;
    /// NTP then jumps it): the monotonic clock does not move.
    func jumpWall(by seconds: Double) { state.withLock { $0.wall += seconds } }

    /// Moves time forward and wakes the sleepers that are due.
    func advance(by seconds: Double) {
        let due: [Sleeper] = state.withLock { state in
            state.wall += seconds
            state.elapsed += seconds
            let due = state.sleepers.filter { $0.deadline <= state.elapsed }.sorted { $0.deadline < $1.deadline }
            state.sleepers.removeAll { $0.deadline <= state.elapsed }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }
}
