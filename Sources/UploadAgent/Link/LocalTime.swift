#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock seconds as the gateway's local time of day (the `TZ` of the process, else
/// `/etc/localtime`), for the bandwidth timetable.
public enum LocalTime {
    /// The second of the local day (0 ..< 86,400) at `time` (seconds since the epoch).
    public static func secondOfDay(_ time: Double) -> Int {
        var seconds = time_t(time.rounded(.down))
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else {
            return Int(time.rounded(.down)) % BandwidthTimetable.secondsPerDay
        }
        return Int(parts.tm_hour) * 3600 + Int(parts.tm_min) * 60 + Int(parts.tm_sec)
    }
}
