#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock seconds since the epoch. One function, passed around as a value, so the
/// scheduler and expiry checks can be tested with a clock the test controls.
public typealias WallClock = @Sendable () -> Double

public let systemWallClock: WallClock = {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 + DebugHooks.clockOffset
}

/// Seconds on the monotonic clock: for intervals (rate limits, stalls, throttling), which
/// must not jump when the wall clock is set.
public func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
