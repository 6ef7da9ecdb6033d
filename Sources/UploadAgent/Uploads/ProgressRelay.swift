import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Sits between libcurl's progress callback (called very often, on the engine thread) and
/// the feature actor: keeps the highest byte count and forwards it at most every
/// `interval` seconds, or at once when it completes a whole percent of the file. The last
/// byte is not forwarded: the upload's end says that (and only once the server confirmed
/// it), which spares a small file a trip to the actor that changes nothing.
final class ProgressRelay: Sendable {
    private let size: Int64
    private let interval: Double
    private let forward: @Sendable (Int64) -> Void
    private let state = Mutex<(highest: Int64, forwardedAt: Double, forwardedPercent: Int64)>((0, 0, -1))

    init(size: Int64, interval: Double, forward: @escaping @Sendable (Int64) -> Void) {
        self.size = size
        self.interval = interval
        self.forward = forward
    }

    func report(_ bytes: Int64) {
        let now = monotonicSeconds()
        let send: Int64? = state.withLock { state in
            guard bytes > state.highest, bytes < size else { return nil }
            state.highest = bytes
            let percent = size > 0 ? bytes * 100 / size : 0
            guard percent != state.forwardedPercent || now - state.forwardedAt >= interval else { return nil }
            state.forwardedPercent = percent
            state.forwardedAt = now
            return bytes
        }
        if let send { forward(send) }
    }
}
