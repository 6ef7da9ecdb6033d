import Logging
import Testing
@testable import UploadAgent
#if canImport(Glibc)
import Glibc
#endif

@Suite struct LogSinkTests {
    func read(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while case let count = fread(&buffer, 1, buffer.count, file), count > 0 { bytes += buffer[0..<count] }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func rotatesBySizeAndKeepsCount() {
        let directory = "/tmp/fua-log-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        defer { _ = system("rm -rf '\(directory)'") }
        let path = "\(directory)/agent.log"
        let sink = LogSink(path: path, maxMegabytes: 1, keep: 2, maxBytes: 100)
        for index in 0..<12 { sink.write(priority: 6, stamp: "line", message: "\(index) " + String(repeating: "x", count: 30)) }
        #expect(read(path)?.contains("line 11") == true)
        #expect(read("\(path).1") != nil)
        #expect(read("\(path).2") != nil)
        #expect(read("\(path).3") == nil)
        let all = [path, "\(path).1", "\(path).2"].compactMap(read).joined()
        #expect(!all.contains("line 0 "))  // rotated out
        for file in [path, "\(path).1", "\(path).2"] { #expect((read(file)?.utf8.count ?? 0) <= 100) }
    }

    @Test func logLinesHaveNoSecrets() {
        let directory = "/tmp/fua-log-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        defer { _ = system("rm -rf '\(directory)'") }
        let sink = LogSink(path: "\(directory)/agent.log", maxMegabytes: 1, keep: 1)
        let logger = Logger(label: "test") { _ in AgentLogHandler(level: .debug, sink: sink, clock: { 0 }) }
        logger.error("PUT https://h/x?sig=TOPSECRET failed")
        let text = read("\(directory)/agent.log") ?? ""
        #expect(text.hasPrefix("1970-01-01T00:00:00Z ERROR PUT https://h/x?sig=*** failed"), "\(text)")
    }
}
