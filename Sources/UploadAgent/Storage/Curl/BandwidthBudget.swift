/// The agent-wide limits on upload bodies, shared by all running transfers: a token
/// bucket at the rate the bandwidth timetable has in force (`maxBandwidth`), and the data
/// budget (`dataBudget`), both read from the `LinkAllowance`. A transfer that may not send
/// pauses (CURL_READFUNC_PAUSE) and the engine loop resumes it once it may again, so a
/// cellular link is never saturated however many uploads run. Engine thread only.
final class BandwidthBudget {
    let link: LinkAllowance
    private var rate: BandwidthTimetable.Rate
    /// What the data budget allows, as of the last refill.
    private var budgetRemaining: Int64 = .max
    private var tokens: Double
    private var lastRefill: Double
    private(set) var paused: [CurlTransfer] = []

    init(link: LinkAllowance, now: Double = monotonicSeconds()) {
        self.link = link
        rate = link.rate()
        tokens = 0
        lastRefill = now
        tokens = burst
    }

    /// The most that may go out at once after an idle spell.
    var burst: Double {
        guard case .limited(let bytesPerSecond) = rate else { return 0 }
        return max(16 * 1024, Double(bytesPerSecond) / 20)
    }

    /// How many of `wanted` bytes may be read now; 0 means pause.
    func allowance(_ wanted: Int, now: Double = monotonicSeconds()) -> Int {
        refill(now)
        let byRate: Int
        switch rate {
        case .unlimited: byRate = wanted
        case .paused: return 0
        case .limited: byRate = max(0, min(wanted, Int(tokens)))
        }
        return Int(min(Int64(byRate), budgetRemaining))
    }

    func spend(_ bytes: Int) {
        tokens -= Double(bytes)
        link.spend(bytes)
    }

    func pause(_ transfer: CurlTransfer) { paused.append(transfer) }

    /// The transfers to resume now that they may send again (the list is emptied).
    func takeResumable(now: Double = monotonicSeconds()) -> [CurlTransfer] {
        refill(now)
        guard !paused.isEmpty, mayResume else { return [] }
        defer { paused = [] }
        return paused
    }

    private var mayResume: Bool {
        switch rate {
        case .paused: return false
        case .unlimited: break
        case .limited: if tokens < 1 { return false }
        }
        return budgetRemaining > 0
    }

    /// How long until a paused transfer can go on (at least 1 ms, at most 250 ms).
    func millisecondsUntilTokens(now: Double = monotonicSeconds()) -> Int32 {
        refill(now)
        guard case .limited(let bytesPerSecond) = rate, budgetRemaining > 0 else { return 250 }
        let deficit = max(0, 1 - tokens)
        return Int32(min(250, max(1, (deficit / Double(bytesPerSecond) * 1000).rounded(.up))))
    }

    func forget(_ transfer: CurlTransfer) { paused.removeAll { $0 === transfer } }

    private func refill(_ now: Double) {
        let (current, remaining) = link.limits()
        budgetRemaining = remaining
        if current != rate {
            rate = current
            tokens = min(tokens, burst)
        }
        if case .limited(let bytesPerSecond) = rate {
            tokens = min(burst, tokens + (now - lastRefill) * Double(bytesPerSecond))
        }
        lastRefill = now
    }
}
