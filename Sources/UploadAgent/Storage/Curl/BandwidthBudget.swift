/// The agent-wide upload rate cap (`maxBandwidth`), shared by all running transfers: a
/// token bucket that the read callbacks draw from. A transfer that finds it empty pauses
/// (CURL_READFUNC_PAUSE) and the engine loop resumes it once tokens flow again, so a
/// cellular link is never saturated however many uploads run. Engine thread only.
final class BandwidthBudget {
    let bytesPerSecond: Double
    /// The most that may go out at once after an idle spell.
    let burst: Double
    private var tokens: Double
    private var lastRefill: Double
    private(set) var paused: [CurlTransfer] = []

    init(bytesPerSecond: Int64, now: Double = monotonicSeconds()) {
        self.bytesPerSecond = Double(bytesPerSecond)
        burst = max(16 * 1024, Double(bytesPerSecond) / 20)
        tokens = burst
        lastRefill = now
    }

    /// How many of `wanted` bytes may be read now; 0 means pause.
    func allowance(_ wanted: Int, now: Double = monotonicSeconds()) -> Int {
        refill(now)
        return max(0, min(wanted, Int(tokens)))
    }

    func spend(_ bytes: Int) { tokens -= Double(bytes) }

    func pause(_ transfer: CurlTransfer) { paused.append(transfer) }

    /// The transfers to resume now that tokens are there again (the list is emptied).
    func takeResumable(now: Double = monotonicSeconds()) -> [CurlTransfer] {
        refill(now)
        guard tokens >= 1, !paused.isEmpty else { return [] }
        defer { paused = [] }
        return paused
    }

    /// How long until a paused transfer can go on (at least 1 ms, at most 250 ms).
    func millisecondsUntilTokens(now: Double = monotonicSeconds()) -> Int32 {
        refill(now)
        let deficit = max(0, 1 - tokens)
        return Int32(min(250, max(1, (deficit / bytesPerSecond * 1000).rounded(.up))))
    }

    func forget(_ transfer: CurlTransfer) { paused.removeAll { $0 === transfer } }

    private func refill(_ now: Double) {
        tokens = min(burst, tokens + (now - lastRefill) * bytesPerSecond)
        lastRefill = now
    }
}
