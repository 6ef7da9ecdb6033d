import UploadAgent
import CMalloc
#if canImport(Glibc)
import Glibc
#endif

/// `file-upload-agent [--config FILE] [--key value …]`: the daemon in the foreground.
enum DaemonCommand {
    static let usage = """
        file-upload-agent: uploads files from this device to cloud storage on Eclipse Ditto commands.

        USAGE:
          file-upload-agent [--config FILE] [--<key> <value> | --<flag>[=true|false|1|0|t|f] …] [-version]
          file-upload-agent status [--json] [--config FILE]
          file-upload-agent upload FILE --options-file OPTIONS.json [--provider NAME] [--config FILE]
          file-upload-agent --version

        Every config key can be given as a flag, which wins over the file (Kanto's -key form works too).
        Without --config the agent reads /etc/file-upload-agent/config.json, or else Kanto's
        /etc/file-upload/config.json, when one exists.
        Keys: \(ConfigKey.all.map(\.name).joined(separator: ", ")).
        See README.md for their meaning and defaults.
        """

    static func run(arguments: [String]) async -> Int32 {
        let loaded: ConfigLoader.Result
        do {
            let parsed = try CommandLineArguments(parsing: arguments)
            if parsed.versionRequested {  // Kanto's -version, wherever it stands
                print("file-upload-agent \(AgentVersion.current)")
                return 0
            }
            loaded = try ConfigLoader.load(parsed, defaultConfigFiles: ConfigLoader.standardConfigFiles)
        } catch {
            StandardError.write("file-upload-agent: \(error)\n")
            return 2
        }
        // A fixed mmap threshold: glibc otherwise raises it after a large block is freed, and
        // every later 10 MiB payload would stay in the heap after it was handled. With it,
        // buffers above 256 KiB go back to the kernel the moment they are freed.
        mallopt(M_MMAP_THRESHOLD, 256 * 1024)
        return await Agent(config: loaded.config, unknownConfigKeys: loaded.unknownKeys,
                           configSource: loaded.configSource).run()
    }
}
