import Synchronization
@testable import UploadAgent
#if canImport(Glibc)
import Glibc
#endif

/// The journal's and the credential store's writer queues, run by the simulator one write
/// at a time. Each write is the real `AppendLog` code writing real files (on tmpfs) and
/// syncing them, so what a write left is exactly what a power cut leaves; what is still
/// queued at a crash is lost, and a crash during a write keeps only a prefix of what it
/// appended (a torn last record).
final class SimulatedDisk: Sendable {
    private struct Write {
        let path: String
        let work: @Sendable () -> Void
    }

    private let pending = Mutex<[Write]>([])

    /// What one write did to its file.
    struct Done {
        let path: String
        let sizeBefore: Int64
        let sizeAfter: Int64
    }

    private struct Queue: LogWriterQueue {
        let disk: SimulatedDisk
        let path: String

        func async(after delay: Double, _ work: @escaping @Sendable () -> Void) { disk.add(path, work) }
        func async(_ work: @escaping @Sendable () -> Void) { disk.add(path, work) }
        func sync(_ work: () -> Void) {
            disk.runAll(of: path)
            work()
        }
    }

    var queues: LogWriterQueues { { [self] path in Queue(disk: self, path: path) } }

    var hasPending: Bool { pending.withLock { !$0.isEmpty } }

    private func add(_ path: String, _ work: @escaping @Sendable () -> Void) {
        pending.withLock { $0.append(Write(path: path, work: work)) }
    }

    /// Runs the oldest queued write of one log (`choose` picks among the logs that have
    /// one): each log's writes keep their order, the two logs' interleave as they may.
    func runNext(choose: (Int) -> Int) -> Done? {
        let write: Write? = pending.withLock { pending in
            var paths: [String] = []
            for write in pending where !paths.contains(write.path) { paths.append(write.path) }
            guard !paths.isEmpty else { return nil }
            let path = paths[choose(paths.count)]
            let index = pending.firstIndex { $0.path == path }!
            return pending.remove(at: index)
        }
        guard let write else { return nil }
        let before = Self.size(write.path)
        write.work()
        return Done(path: write.path, sizeBefore: before, sizeAfter: Self.size(write.path))
    }

    private func runAll(of path: String) {
        while let write = pending.withLock({ pending -> Write? in
            guard let index = pending.firstIndex(where: { $0.path == path }) else { return nil }
            return pending.remove(at: index)
        }) {
            write.work()
        }
    }

    /// The power is cut: nothing queued is written.
    func crash() { pending.withLock { $0 = [] } }

    /// Cuts the last write short: only `kept` of the bytes it appended reached the disk.
    static func tear(_ done: Done, keeping kept: Int64) {
        guard done.sizeAfter > done.sizeBefore else { return }
        _ = truncate(done.path, off_t(done.sizeBefore + min(kept, done.sizeAfter - done.sizeBefore - 1)))
    }

    static func size(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }
}
