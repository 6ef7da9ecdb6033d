#if canImport(Glibc)
import Glibc
#endif

/// Fault and clock hooks for integration tests, read once from the environment and only
/// in debug builds: a release binary ignores these variables entirely.
/// - `FILE_UPLOAD_AGENT_CLOCK_OFFSET=<seconds>` moves the wall clock (a gateway without a
///   real-time clock; libfaketime loses the Swift binary's arguments, so it cannot be used);
/// - `FILE_UPLOAD_AGENT_FAULT=wedge-feature|wedge-engine` blocks the feature actor or the
///   transfer engine thread, to show the watchdog pings stop.
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

    /// Blocks the calling thread for good when `fault` names `point`: a wedged component.
    static func wedgeIfAsked(_ point: String) {
        guard fault == point else { return }
        while true { sleep(3600) }
    }
}
