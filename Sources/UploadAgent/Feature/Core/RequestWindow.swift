/// How many files may be requested ahead of the free upload slots: like a congestion
/// window, sized from what the agent measures. A request is answered (`start`) one round
/// trip after it went out, and a slot frees every `fileTime / slots`, so keeping every
/// slot busy takes about `slots × roundTrip / fileTime` requests in flight (Little's law),
/// twice that against jitter. It never goes below `floor` (a handful, as before anything
/// is measured) nor above `cap`: the broker queues at most 1,000 messages per client by
/// default, and pre-signed URLs expire while they wait for a slot.
struct RequestWindow: Sendable, Equatable {
    let slots: Int
    let floor: Int
    let cap: Int
    /// Smoothed request → start time, and smoothed time of one file's upload, in seconds.
    private(set) var roundTrip: Double?
    private(set) var fileTime: Double?

    /// How fast the averages follow a change: half of each new sample.
    static let smoothing = 0.5
    /// The cap when `requestWindow` does not set one: half of mosquitto's default queue.
    static let defaultCap = 500

    init(slots: Int, cap: Int?) {
        self.slots = max(1, slots)
        self.cap = max(1, cap ?? Self.defaultCap)
        floor = min(self.cap, 2 * self.slots)
    }

    mutating func answered(after seconds: Double) { roundTrip = Self.smoothed(roundTrip, seconds) }

    mutating func uploaded(in seconds: Double) { fileTime = Self.smoothed(fileTime, seconds) }

    /// The requests that may be outstanding or waiting for a slot.
    var size: Int {
        guard let roundTrip, let fileTime else { return floor }
        let needed = 2 * Double(slots) * roundTrip / max(fileTime, 0.001)
        guard needed.isFinite else { return cap }
        return min(cap, max(floor, Int(needed.rounded(.up))))
    }

    private static func smoothed(_ average: Double?, _ sample: Double) -> Double {
        let sample = max(0, sample.isFinite ? sample : 0)
        guard let average else { return sample }
        return average + smoothing * (sample - average)
    }
}
