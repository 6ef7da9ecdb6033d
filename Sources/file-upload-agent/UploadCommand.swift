import ArgumentParser
import Logging
import ServiceLifecycle
import Synchronization
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
    @Option(help: "Storage provider: \(StorageProviders.choices) (overrides storage.provider in the options).")
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
        // SIGTERM or SIGINT cancels the upload (swift-service-lifecycle's cancellation signals).
        let outcome = Mutex<Result<Int64, any Error>>(.failure(CancellationError()))
        let upload = ClosureService { [options, agentConfig, file] in
            do {
                let bytes = try await SingleUpload.run(
                    path: file, options: options, config: agentConfig, engine: engine,
                    onRetry: { attempt, reason in printError("retrying (attempt \(attempt)) after: \(reason)") },
                    progress: { _ in })
                outcome.withLock { $0 = .success(bytes) }
            } catch {
                outcome.withLock { $0 = .failure(error) }
            }
        }
        var quiet = Logger(label: "upload")
        quiet.logLevel = .critical
        try? await ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [upload], cancellationSignals: [.sigterm, .sigint], logger: quiet)).run()
        switch outcome.withLock({ $0 }) {
        case .success(let bytes):
            print("uploaded \(file) (\(bytes) bytes)")
        case .failure(let error as InvalidStartOptions):
            fail(2, error.message)
        case .failure(let error) where UploadError(classifying: error) == .cancelled:
            fail(1, "upload of \(file) cancelled")
        case .failure(let error):
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
