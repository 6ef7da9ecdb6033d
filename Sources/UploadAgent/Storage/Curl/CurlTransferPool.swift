import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The agent's HTTP transport: one `CurlTransferEngine` (a libcurl multi handle on its own
/// thread) per core, each request sent by the engine with the fewest in flight, so large
/// concurrent uploads do not share one core while others are idle. A link with a bandwidth
/// cap or a data budget keeps one engine: its shared token bucket lives on one thread, and
/// such a link is never short of CPU.
public final class CurlTransferPool: HTTPTransport, Sendable {
    private let engines: [CurlTransferEngine]
    /// Requests in flight per engine.
    private let inFlight: Mutex<[Int]>

    /// Engines for an unlimited link: one per core, at most this many.
    static let maxEngines = 4

    public init(settings: TransferSettings = TransferSettings(), engines count: Int? = nil) {
        let limited = settings.link.map { !$0.isUnlimited } ?? false
        let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let engines = limited ? 1 : max(1, count ?? min(cores, Self.maxEngines))
        self.engines = (0..<engines).map { _ in CurlTransferEngine(settings: settings) }
        inFlight = Mutex([Int](repeating: 0, count: engines))
    }

    /// How many engine threads send requests.
    public var engineCount: Int { engines.count }

    public func send(_ request: HTTPRequest,
                     progress: @escaping @Sendable (Int64) -> Void) async throws -> HTTPResponse {
        let chosen = inFlight.withLock { counts in
            let least = counts.indices.min { counts[$0] < counts[$1] }!
            counts[least] += 1
            return least
        }
        defer { inFlight.withLock { $0[chosen] -= 1 } }
        return try await engines[chosen].send(request, progress: progress)
    }

    /// Returns once every engine thread has gone round its loop (the watchdog's proof).
    public func heartbeat() async {
        for engine in engines { await engine.heartbeat() }
    }

    /// Stops every engine; transfers still running fail as cancelled.
    public func shutdown() {
        for engine in engines { engine.shutdown() }
    }
}
