#if canImport(Glibc)
import Glibc
#endif

/// Fault and clock hooks for integration tests, read once from the environment and only
/// in debug builds: a release binary ignores these variables entirely.
/// - `FILE_UPLOAD_AGENT_CLOCK_OFFSET=<seconds>` moves the wall clock (a gateway without a
///   real-time clock; libfaketime loses the Swift binary's arguments, so it cannot be used);
/// - `FILE_UPLOAD_AGENT_FAULT=wedge-feature|wedge-engine[@seconds]` blocks the feature
///   actor or the transfer engine thread, to show the watchdog pings stop.
public enum DebugHooks {
    #if DEBUG
    public static let clockOffset: Double = environment("FILE_UPLOAD_AGENT_CLOCK_OFFSET").flatMap(Double.init) ?? 0
    public static let fault: String? = environment("FILE_UPLOAD_AGENT_FAULT")
    #else
    public static let clockOffset: Double = 0
    public static let fault: String? = nil
    #endif

    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    /// When the first hook point was reached: `name@seconds` faults wait that long from it.
    static let armedAt = monotonicSeconds()

    /// Blocks the calling thread for good when `fault` names `point` (`wedge-feature`, or
    /// `wedge-feature@2` to wedge only from two seconds after the first check): a wedged
    /// component, as a deadlock or a hung system call would leave it.
    static func wedgeIfAsked(_ point: String) {
        guard let fault else { return }
        let parts = fault.split(separator: "@", maxSplits: 1)
        guard parts.first.map(String.init) == point else { return }
        let delay = parts.count > 1 ? Double(parts[1]) ?? 0 : 0
        guard monotonicSeconds() - armedAt >= delay else { return }
        while true { sleep(3600) }
    }
}
