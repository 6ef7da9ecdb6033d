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
        var path = statusFile
        if path == nil {
            var arguments: [String] = []
            if let config { arguments += ["--config", config] }
            do {
                path = try ConfigLoader.load(arguments: arguments, defaultConfigFiles: ConfigLoader.standardConfigFiles)
                    .config.statusFile
            } catch {
                StandardError.write("file-upload-agent: \(error)\n")
                throw ExitCode(2)
            }
        }
        guard let path, let bytes = StatusFileReader.read(path) else {
            StandardError.write("file-upload-agent: no status file at \(path ?? "?") (is the agent running?)\n")
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
}
