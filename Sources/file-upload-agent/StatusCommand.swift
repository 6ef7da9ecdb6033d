import ArgumentParser
import UploadAgent
#if canImport(Glibc)
import Glibc
#endif

/// `file-upload-agent status [--json]`: what the running agent is doing, read from its status file.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show what the agent is doing, from its status file.")

    @Flag(help: "Print the status document as JSON, unchanged.") var json = false
    @Option(help: "Agent config file (to find statusFile).") var config: String?
    @Option(name: .customLong("status-file"), help: "Read this status file instead.") var statusFile: String?

    func run() async throws {
        let path = try statusFile ?? configuredStatusFile()
        let bytes: [UInt8]
        switch StatusFileReader.read(path) {
        case .success(let read): bytes = read
        case .failure(let failure):
            StandardError.write("file-upload-agent: \(failure)\n")
            throw ExitCode(1)
        }
        if json {
            print(String(decoding: bytes, as: UTF8.self))
        } else if let document = JSONValue.parse(bytes) {
            print(StatusRenderer.render(document, now: systemWallClock()), terminator: "")
        } else {
            StandardError.write("file-upload-agent: \(path) is not valid JSON\n")
            throw ExitCode(1)
        }
    }

    /// The config's `statusFile`. An operator who may not read the config (it may hold the
    /// broker's password, so it is root's) still finds the status at its default place.
    func configuredStatusFile() throws -> String {
        var arguments: [String] = []
        if let config { arguments += ["--config", config] }
        let candidates = config.map { [$0] } ?? ConfigLoader.standardConfigFiles
        if let refused = candidates.first(where: { access($0, F_OK) == 0 && access($0, R_OK) != 0 }) {
            let fallback = AgentConfig().statusFile
            if access(fallback, F_OK) == 0 || errno == EACCES { return fallback }
            StandardError.write("file-upload-agent: cannot read \(refused): permission denied (run as root, or pass --status-file)\n")
            throw ExitCode(2)
        }
        do {
            return try ConfigLoader.load(arguments: arguments, defaultConfigFiles: ConfigLoader.standardConfigFiles)
                .config.statusFile
        } catch {
            StandardError.write("file-upload-agent: \(error)\n")
            throw ExitCode(2)
        }
    }
}
