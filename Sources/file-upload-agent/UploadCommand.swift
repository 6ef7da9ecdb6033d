import ArgumentParser
import UploadAgent
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `file-upload-agent upload FILE --provider P --options-file F`: one upload, no MQTT.
struct UploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Upload one file with the options a backend would send in 'start', without MQTT.",
        discussion: "Options come from a JSON file, not the command line, because they hold secrets. "
            + "Exit status: 0 uploaded, 1 upload failed, 2 invalid options or config.")

    @Argument(help: "The file to upload.") var file: String
    @Option(help: "Storage provider: generic, aws or azure (overrides storage.provider in the options).")
    var provider: String?
    @Option(name: .customLong("options-file"), help: "JSON object with the start options.") var optionsFile: String
    @Option(help: "Agent config file (checksum, serverCert, timeouts, proxy…).") var config: String?
    @Flag(help: "Send checksums (Content-MD5) with every body.") var checksum = false

    func run() async throws {
        var arguments: [String] = []
        if let config { arguments += ["--config", config] }
        let loaded: ConfigLoader.Result
        do { loaded = try ConfigLoader.load(arguments: arguments) } catch { fail(2, "\(error)") }
        var agentConfig = loaded.config
        if checksum { agentConfig.checksum = true }

        guard let data = try? Data(contentsOf: URL(fileURLWithPath: optionsFile)),
              var options = JSONValue.parse(data)?.stringMap else {
            fail(2, "options file '\(optionsFile)' must hold a JSON object of strings")
        }
        if let provider { options["storage.provider"] = provider }

        let engine = CurlTransferPool(settings: TransferSettings(config: agentConfig),
                                      engines: agentConfig.transferThreads > 0 ? agentConfig.transferThreads : nil)
        let task = Task { [options, agentConfig, file] in
            try await SingleUpload.run(
                path: file, options: options, config: agentConfig, engine: engine,
                onRetry: { attempt, reason in printError("retrying (attempt \(attempt)) after: \(reason)") },
                progress: { _ in })
        }
        let watcher = SignalWatcher { _ in task.cancel() }
        defer { withExtendedLifetime(watcher) {} }
        do {
            let bytes = try await task.value
            print("uploaded \(file) (\(bytes) bytes)")
        } catch let error as InvalidStartOptions {
            fail(2, error.message)
        } catch is CancellationError {
            fail(1, "upload of \(file) cancelled")
        } catch let error as TransferError where error.kind == .cancelled {
            fail(1, "upload of \(file) cancelled")
        } catch {
            fail(1, "\(error)")
        }
    }
}

func printError(_ message: String) {
    StandardError.write(message + "\n")
}

func fail(_ code: Int32, _ message: String) -> Never {
    printError("error: \(message)")
    exit(code)
}
