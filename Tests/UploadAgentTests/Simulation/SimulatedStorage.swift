import Synchronization
@testable import UploadAgent

/// The storage servers: every started transfer waits here until the simulator moves it
/// on (progress, the server's confirmation of the whole file, a failure, refused
/// credentials) or notices it was cancelled. Only what a server confirmed whole is in
/// `objects`: the bytes the backend may be told arrived. Files with an even number go to
/// resumable sessions: the server confirms what it holds as it goes, keeps it across the
/// agent's crashes, and a resume must never start beyond it.
final class SimulatedStorage: TransferLauncher {
    struct Transfer {
        let fileId: String
        let path: String
        let size: Int64
        var sent: Int64
        let resumable: Bool
        let task: Task<Void, Never>
        let gate: SimulatedGate
    }

    private struct State {
        var transfers: [Transfer] = []
        var objects: [String: (path: String, size: Int64)] = [:]
        /// What each resumable session holds, by file.
        var sessions: [String: Int64] = [:]
        var violations: [String] = []
        var resumes = 0
    }

    private let state = Mutex(State())

    func launch(_ fileId: String, source: UploadSource, resumption: UploadResumption) -> Task<Void, Never> {
        let gate = SimulatedGate()
        let task = Task { await gate.wait() }
        let resumable = (fileId.split(separator: "#").last.flatMap { Int($0) } ?? 1) % 2 == 0
        let from = resumption.from?.confirmedBytes ?? 0
        state.withLock { state in
            let held = state.sessions[fileId] ?? 0
            if from > 0 { state.resumes += 1 }
            if from > held { state.violations.append("\(fileId) resumes from byte \(from), but its server holds \(held)") }
            state.transfers.append(Transfer(fileId: fileId, path: source.path, size: source.size, sent: resumable ? from : 0,
                                            resumable: resumable, task: task, gate: gate))
        }
        return task
    }

    var violations: [String] { state.withLock { $0.violations } }
    /// Transfers that began where their session stood, not at byte 0.
    var resumes: Int { state.withLock { $0.resumes } }

    var transfers: [Transfer] { state.withLock { $0.transfers } }

    func object(_ fileId: String) -> (path: String, size: Int64)? { state.withLock { $0.objects[fileId] } }

    func objects(of uploadId: String) -> [(path: String, size: Int64)] {
        state.withLock { $0.objects.filter { $0.key.hasPrefix(uploadId + "#") }.map(\.value) }
    }

    /// Takes `fileId`'s transfer out (it ended); `stored` keeps its bytes as the object
    /// (and closes its session).
    func end(_ fileId: String, stored: Bool) {
        let ended: Transfer? = state.withLock { state in
            guard let index = state.transfers.firstIndex(where: { $0.fileId == fileId }) else { return nil }
            let transfer = state.transfers.remove(at: index)
            if stored {
                state.objects[fileId] = (transfer.path, transfer.size)
                // A finished session holds the whole file: an agent that crashed before it
                // journaled the end may come back with any earlier confirmation.
                if transfer.resumable { state.sessions[fileId] = transfer.size }
            }
            return transfer
        }
        ended?.gate.open()
    }

    /// More bytes reach the server: how many it has now, and (for a session) what it
    /// confirms holding.
    func progress(_ fileId: String, by bytes: Int64) -> (sent: Int64, confirmed: ServerProgress?)? {
        state.withLock { state in
            guard let index = state.transfers.firstIndex(where: { $0.fileId == fileId }) else { return nil }
            let sent = min(state.transfers[index].size, state.transfers[index].sent + bytes)
            state.transfers[index].sent = sent
            guard state.transfers[index].resumable else { return (sent, nil) }
            state.sessions[fileId] = sent
            return (sent, .resumableSession(confirmedBytes: sent))
        }
    }

    /// The agent is gone: its connections close, what the servers hold stays.
    func dropTransfers() {
        let dropped = state.withLock { state in
            defer { state.transfers = [] }
            return state.transfers
        }
        for transfer in dropped { transfer.gate.open() }
    }
}

/// What a simulated transfer's task waits on until the world ends it.
final class SimulatedGate: Sendable {
    private let state = Mutex<(open: Bool, waiting: CheckedContinuation<Void, Never>?)>((false, nil))

    func wait() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if state.open { return true }
                state.waiting = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }

    func open() {
        state.withLock { state in
            defer { state.waiting = nil }
            state.open = true
            return state.waiting
        }?.resume()
    }
}
