import Dispatch
import FoundationEssentials
import UploadAgent
#if canImport(Glibc)
import Glibc
#endif

// bench-backend --port P --device ns:name --tenant T --feature F --url-base http://host/folder
// Reads commands from stdin ("trigger <parent> [option=value ...]", "quit"); writes its counts as one JSON line
// to stdout every 0.2 s and at once after each command. Used by scripts/bench/many_files.py.

var arguments: [String: String] = [:]
var pending = CommandLine.arguments.dropFirst()
while let name = pending.popFirst(), let value = pending.popFirst() { arguments[String(name.drop { $0 == "-" })] = value }
guard let port = arguments["port"], let device = arguments["device"], let urlBase = arguments["url-base"] else {
    let usage = "usage: bench-backend --port P --device ns:name [--tenant T] [--feature F] --url-base URL\n"
    _ = usage.utf8CString.withUnsafeBytes { write(2, $0.baseAddress, $0.count - 1) }
    exit(2)
}
let backend = BenchBackend(deviceId: device, tenantId: arguments["tenant"] ?? "bench",
                           featureId: arguments["feature"] ?? "AutoUploadable", urlBase: urlBase)
var config = AgentConfig()
config.broker = "tcp://127.0.0.1:\(port)"
let connection = try MQTTConnection(options: MQTTOptions(config: config, clientId: "bench-backend-\(getpid())"),
                                    subscriptions: ["e", "command/+/+/res/#"], onEvent: { backend.handle($0) })
backend.attach(connection)
connection.start()

/// One JSON line of counts on stdout (a single write, so lines never interleave).
@Sendable func report(_ backend: BenchBackend) {
    var line = Array((try? JSONEncoder().encode(backend.counts)) ?? Data())
    line.append(10)
    _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

DispatchQueue.global().async {
    while true {
        report(backend)
        usleep(200_000)
    }
}
while let command = readLine() {
    let words = command.split(separator: " ").map(String.init)
    // trigger <parent> [<option>=<value> ...]
    if words.first == "trigger", words.count >= 2 {
        let options = words.dropFirst(2).reduce(into: [String: String]()) { options, word in
            let pair = word.split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2 { options[pair[0]] = pair[1] }
        }
        backend.trigger(parent: words[1], options: options)
    }
    if words.first == "quit" { break }
    report(backend)
}
connection.stop()
report(backend)
exit(0)
