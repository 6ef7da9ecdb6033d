/// The time an event is handled at, read once by whoever feeds the core: the wall clock
/// (for records and windows) and the monotonic one (for timers and intervals).
struct FeatureTime: Sendable, Equatable {
    var now: Double
    var uptime: Double

    init(now: Double, uptime: Double) {
        self.now = now
        self.uptime = uptime
    }

    init(_ clock: any AgentClock) {
        self.init(now: clock.now(), uptime: clock.uptime())
    }
}
