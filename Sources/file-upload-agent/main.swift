import ArgumentParser
import UploadAgent
#if canImport(Glibc)
import Glibc
#endif

// Wiring only: every behaviour lives in the UploadAgent library.

/// Runs an async subcommand with the given arguments (ArgumentParser's `main(_:)` with
/// explicit arguments is synchronous).
func runSubcommand<Command: AsyncParsableCommand>(_ type: Command.Type, _ arguments: [String]) async {
    do {
        var command = try type.parse(arguments)
        try await command.run()
    } catch {
        type.exit(withError: error)
    }
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "upload":
    await runSubcommand(UploadCommand.self, Array(arguments.dropFirst()))
case "status":
    await runSubcommand(StatusCommand.self, Array(arguments.dropFirst()))
case "sigv4-debug":  // hidden: for the integration test that compares with botocore
    exit(SigV4DebugCommand.run())
case "--version", "-version", "version":
    print("file-upload-agent \(AgentVersion.current)")
case "--help", "-h", "-help", "help":
    print(DaemonCommand.usage)
default:
    exit(await DaemonCommand.run(arguments: arguments))
}
