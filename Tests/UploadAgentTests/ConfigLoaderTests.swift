import Testing
@testable import UploadAgent
#if canImport(Glibc)
import Glibc
#endif

@Suite struct ConfigLoaderTests {
    func writeConfig(_ text: String) -> String {
        let path = "/tmp/fua-config-\(getpid())-\(Int.random(in: 0..<1_000_000)).json"
        let file = fopen(path, "w")!
        fputs(text, file)
        fclose(file)
        return path
    }

    @Test func defaultsAreKantos() throws {
        let config = try ConfigLoader.load(arguments: []).config
        #expect(config.broker == "tcp://localhost:1883")
        #expect(config.featureId == "AutoUploadable")
        #expect(config.type == "file" && config.context == "edge")
        #expect(config.mode == .strict)
        #expect(config.period == 36_000)
        #expect(config.stopTimeout == 30)
        #expect(config.statusFile == "/var/lib/file-upload-agent/status.json")
        #expect(config.maxConcurrentUploads == 4)
        #expect(!config.startsActive)
    }

    @Test func flagsWinOverTheFile() throws {
        let path = writeConfig(#"{"broker":"tcp://a:1","files":"/x/*","period":"1h","delete":true,"mode":"lax"}"#)
        defer { unlink(path) }
        let config = try ConfigLoader.load(arguments: ["--config", path, "--broker", "ssl://b:8883",
                                                       "-period=90s", "--delete=false", "--checksum"]).config
        #expect(config.broker == "ssl://b:8883")
        #expect(config.files == "/x/*")
        #expect(config.period == 90)
        #expect(config.delete == false)
        #expect(config.checksum == true)
        #expect(config.mode == .lax)
    }

    @Test func kantoConfigFileFlagAndUnknownKeys() throws {
        let path = writeConfig(#"{"files":"/x/*","someFutureKey":1,"activeFrom":"2030-01-02T03:04:05Z"}"#)
        defer { unlink(path) }
        let result = try ConfigLoader.load(arguments: ["-configFile", path])
        #expect(result.unknownKeys == ["someFutureKey"])
        #expect(result.config.activeFrom == RFC3339.parse("2030-01-02T03:04:05Z"))
        #expect(result.config.startsActive)
    }

    @Test(arguments: [
        (#"{"period":"ten hours"}"#, "config key 'period'"),
        (#"{"period":"0s"}"#, "config key 'period'"),
        (#"{"mode":"loose"}"#, "config key 'mode'"),
        (#"{"delete":"yes"}"#, "config key 'delete'"),
        (#"{"maxConcurrentUploads":0}"#, "config key 'maxConcurrentUploads'"),
        (#"{"broker":"http://x"}"#, "config key 'broker'"),
        (#"{"activeFrom":"yesterday"}"#, "config key 'activeFrom'"),
        (#"{"activeFrom":"2030-01-02T00:00:00Z","activeTill":"2029-01-01T00:00:00Z"}"#, "config key 'activeTill'"),
        (#"{"cert":"/etc/hostname"}"#, "config key 'key'"),
        (#"{"files": 3}"#, "config key 'files': expected a string"),
        (#"[1,2]"#, "must hold a JSON object"),
        (#"{"broken"#, "not valid JSON"),
    ])
    func invalidConfigNamesTheKey(text: String, expected: String) {
        let path = writeConfig(text)
        defer { unlink(path) }
        do {
            _ = try ConfigLoader.load(arguments: ["--config", path])
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test func unknownFlagIsRejected() {
        #expect(throws: ConfigError.self) { try ConfigLoader.load(arguments: ["--brokr", "x"]) }
        #expect(throws: ConfigError.self) { try ConfigLoader.load(arguments: ["--broker"]) }
    }
}

@Suite struct ConfigBoundsTests {
    @Test func aHugeLogFileCountIsRefusedNotLoopedOver() throws {
        var config = AgentConfig()
        config.logFileCount = 1_000_000_000
        #expect(throws: ConfigError.self) { try config.validate() }
        config.logFileCount = 5
        try config.validate()
    }
}
