import Testing
@testable import UploadAgent
#if canImport(Glibc)
import Glibc
#endif

/// Kanto's command line and config location: `-version` anywhere, Go's boolean spellings,
/// and /etc/file-upload/config.json when our own config file is absent.
@Suite struct KantoCommandLineTests {
    static func temporaryFolder() -> String {
        var template = Array("/tmp/fua-kanto-cli-XXXXXX".utf8CString)
        return String(cString: mkdtemp(&template)!)
    }

    static func write(_ text: String, to path: String) {
        let file = fopen(path, "w")!
        fputs(text, file)
        fclose(file)
    }

    @Test(arguments: [["-version"], ["-configFile", "/nonexistent.json", "-version"], ["-files=/x/*", "--version", "-delete"],
                      ["-version=true"], ["-version=1"], ["-period", "1h", "-version=T"]])
    func versionAnywhere(arguments: [String]) throws {
        #expect(try CommandLineArguments(parsing: arguments).versionRequested)
    }

    @Test func versionFalseOrAbsentIsNotAskedFor() throws {
        #expect(try !CommandLineArguments(parsing: ["-version=false", "-files", "/x"]).versionRequested)
        #expect(try !CommandLineArguments(parsing: ["-files", "/x"]).versionRequested)
        #expect(throws: ConfigError.self) { try CommandLineArguments(parsing: ["-version=maybe"]) }
    }

    @Test(arguments: [("1", true), ("t", true), ("T", true), ("TRUE", true), ("true", true), ("True", true),
                      ("0", false), ("f", false), ("F", false), ("FALSE", false), ("false", false), ("False", false)])
    func goBooleanSpellings(text: String, expected: Bool) throws {
        #expect(GoBool.parse(text) == expected)
        let config = try ConfigLoader.load(arguments: ["-delete=\(text)", "--checksum=\(text)", "-singleUpload=\(text)"]).config
        #expect(config.delete == expected && config.checksum == expected && config.singleUpload == expected)
    }

    @Test func aBooleanFlagAloneIsTrue() throws {
        let config = try ConfigLoader.load(arguments: ["-delete", "--checksum"]).config
        #expect(config.delete && config.checksum)
    }

    @Test(arguments: ["yes", "on", "2", "tRuE1", ""])
    func otherBooleanTextIsRefusedNamingTheFlag(text: String) {
        do {
            _ = try ConfigLoader.load(arguments: ["-delete=\(text)"])
            Issue.record("accepted -delete=\(text)")
        } catch {
            #expect(error.description.contains("'delete'"), "\(error)")
        }
    }

    @Test func goBooleansInTheConfigFile() throws {
        let folder = Self.temporaryFolder()
        let path = folder + "/config.json"
        Self.write(#"{"delete":"1","checksum":"F","active":true}"#, to: path)
        let config = try ConfigLoader.load(arguments: ["--config", path]).config
        #expect(config.delete && !config.checksum && config.active)
    }

    @Test func kantosConfigLocationIsReadWhenOursIsAbsent() throws {
        let folder = Self.temporaryFolder()
        let ours = folder + "/file-upload-agent/config.json", kantos = folder + "/file-upload/config.json"
        mkdir(folder + "/file-upload", 0o755)
        Self.write(#"{"logFile": "/var/log/file-upload/file-upload.log", "files": "/var/tmp/file-upload/*.*"}"#, to: kantos)
        let result = try ConfigLoader.load(arguments: [], defaultConfigFiles: [ours, kantos])
        #expect(result.configFile == kantos)
        #expect(result.config.files == "/var/tmp/file-upload/*.*")
        #expect(result.config.logFile == "/var/log/file-upload/file-upload.log")
        #expect(result.configSource == "config file \(kantos) (\(ours) absent)")

        mkdir(folder + "/file-upload-agent", 0o755)
        Self.write(#"{"files": "/srv/*"}"#, to: ours)
        let preferred = try ConfigLoader.load(arguments: [], defaultConfigFiles: [ours, kantos])
        #expect(preferred.configFile == ours && preferred.config.files == "/srv/*")
        #expect(preferred.configSource == "config file \(ours)")
    }

    /// The shipped unit names our file explicitly; absent, Kanto's is read all the same.
    @Test func ourStandardFileNamedExplicitlyButAbsentFallsBackToKantos() throws {
        let folder = Self.temporaryFolder()
        let ours = folder + "/ours.json", kantos = folder + "/kanto.json"
        Self.write(#"{"files": "/kanto/*"}"#, to: kantos)
        let result = try ConfigLoader.load(arguments: ["--config", ours], defaultConfigFiles: [ours, kantos])
        #expect(result.configFile == kantos && result.config.files == "/kanto/*")
        #expect(result.configSource == "config file \(kantos) (\(ours) absent)")
        unlink(kantos)
        #expect(throws: ConfigError.self) {
            try ConfigLoader.load(arguments: ["--config", ours], defaultConfigFiles: [ours, kantos])
        }
    }

    @Test func anExplicitConfigIsTheOnlyOneRead() throws {
        let folder = Self.temporaryFolder()
        let kantos = folder + "/kanto.json"
        Self.write(#"{"files": "/kanto/*"}"#, to: kantos)
        #expect(throws: ConfigError.self) {
            try ConfigLoader.load(arguments: ["--config", folder + "/missing.json"], defaultConfigFiles: [kantos])
        }
    }

    @Test func withNoFileAnywhereTheDefaultsApplyAndSaySo() throws {
        let folder = Self.temporaryFolder()
        let result = try ConfigLoader.load(arguments: ["-files", "/x/*"], defaultConfigFiles: [folder + "/a.json", folder + "/b.json"])
        #expect(result.configFile == nil && result.config.files == "/x/*")
        #expect(result.configSource.hasPrefix("no config file"))
    }
}
