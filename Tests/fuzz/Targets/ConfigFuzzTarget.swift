#if canImport(Glibc)
import Glibc
#endif
@testable import UploadAgent

/// A config file and command-line flags: the input up to the first NUL byte is the JSON
/// file, the lines after it are flags (flags that name another config file are dropped, so
/// the fuzzer reads no file but its own). A config the loader accepts must also be usable:
/// the values the daemon derives from it at start (log rotation, broker address, transfer
/// settings, the status file's durations and times) come out without a trap.
enum ConfigFuzzTarget: FuzzTarget {
    static let name = "config"
    static let path = "/tmp/upload-agent-fuzz-config-\(getpid()).json"

    static func run(_ input: FuzzInput) {
        let (file, flagBytes) = input.split(at: 0)
        guard let handle = fopen(path, "w") else { preconditionFailure("cannot write \(path)") }
        _ = file.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
        fclose(handle)

        let flags = flagBytes.split(separator: UInt8(ascii: "\n")).map { Array($0).text }
            .filter { !["config", "configfile"].contains(flagName($0)) }
        guard let result = try? ConfigLoader.load(arguments: ["--config", path] + flags) else { return }
        let config = result.config
        _ = LogSink(path: nil, maxMegabytes: config.logFileSize, keep: config.logFileCount,
                    maxAgeDays: config.logFileMaxAge)
        _ = TransferSettings(config: config)
        _ = try? MQTTOptions(config: config, clientId: "fuzz")
        _ = RetryPolicy(maxAttempts: config.retryAttempts).delay(afterAttempt: config.retryAttempts)
        for duration in [config.period, config.stopTimeout, config.connectTimeout, config.stallTimeout] {
            precondition(duration.isFinite && duration >= 0, "a duration of \(duration)s was accepted")
            _ = GoDuration.format(duration)
        }
        for time in [config.activeFrom, config.activeTill].compactMap({ $0 }) {
            precondition(time.isFinite, "a time of \(time) was accepted")
            _ = RFC3339.format(time)
        }
        precondition(config.maxBandwidth >= 0)
    }

    /// `--name=value`, `-name` → `name`, lower-cased.
    static func flagName(_ argument: String) -> String {
        String(argument.drop(while: { $0 == "-" }).prefix(while: { $0 != "=" })).lowercased()
    }
}
