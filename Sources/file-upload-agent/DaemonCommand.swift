import UploadAgent
#if canImport(Glibc)
import Glibc
#endif

/// `file-upload-agent [--config FILE] [--key value …]`: the daemon in the foreground.
enum DaemonCommand {
    static let usage = """
        file-upload-agent: uploads files from this device to cloud storage on Eclipse Ditto commands.

        USAGE:
          file-upload-agent [--config FILE] [--<key> <value> | --<flag>[=true|false] …]
          file-upload-agent status [--json] [--config FILE]
          file-upload-agent upload FILE --options-file OPTIONS.json [--provider NAME] [--config FILE]
          file-upload-agent --version

        Every config key can be given as a flag, which wins over the file (Kanto's -key form works too).
        Keys: \(ConfigKey.all.map(\.name).joined(separator: ", ")).
        See README.md for their meaning and defaults.
        """

    static func run(arguments: [String]) async -> Int32 {
        let loaded: ConfigLoader.Result
        do {
            loaded = try ConfigLoader.load(arguments: arguments)
        } catch {
            StandardError.write("file-upload-agent: \(error)\n")
            return 2
        }
        return await Agent(config: loaded.config, unknownConfigKeys: loaded.unknownKeys).run()
    }
}
