import Testing
@testable import UploadAgent

@Suite struct SelectionTests {
    static let now = 1_764_756_000.0  // 2025-12-03T10:00:00Z

    func file(_ path: String, modified: Double, size: Int64) -> FileSelection.File {
        FileSelection.File(path: path, realPath: path,
                           identity: FileIdentity(device: 1, inode: UInt64(path.utf8.count), size: size, modified: Int64(modified * 1e9)))
    }

    /// Three days of logs, a day apart, in path order.
    var threeDays: FileSelection {
        FileSelection(files: [file("/l/a.log", modified: Self.now - 3 * 86_400, size: 100),
                              file("/l/b.log", modified: Self.now - 86_400, size: 300),
                              file("/l/c.log", modified: Self.now - 2 * 86_400, size: 200)], refused: [])
    }

    func parse(_ options: [String: String], defaults: [String: String] = [:]) throws -> SelectionOptions {
        try SelectionOptions.parse(options, defaults: defaults, now: Self.now)
    }

    @Test func timesAreRFC3339EpochSecondsOrAnAge() {
        #expect(SelectionTime.parse("2025-12-03T09:00:00Z", now: Self.now) == Self.now - 3600)
        #expect(SelectionTime.parse("1764752400", now: Self.now) == Self.now - 3600)
        #expect(SelectionTime.parse("2h", now: Self.now) == Self.now - 7200)
        #expect(SelectionTime.parse("1h30m", now: Self.now) == Self.now - 5400)
        #expect(SelectionTime.parse("3d", now: Self.now) == Self.now - 3 * 86_400)
        for bad in ["yesterday", "-2h", "", "2025-13-01T00:00:00Z", "inf", "1e999"] {
            #expect(SelectionTime.parse(bad, now: Self.now) == nil, "\(bad)")
        }
    }

    @Test func noOptionsKeepEverythingInPathOrderAsKanto() throws {
        let options = try parse([:])
        #expect(options == SelectionOptions())
        #expect(try options.filter.apply(to: threeDays, pattern: "/l/*").paths == ["/l/a.log", "/l/b.log", "/l/c.log"])
    }

    @Test func aTimeWindowKeepsTheFilesModifiedInIt() throws {
        let lastTwoDays = try parse(["upload.from": "2d"]).filter
        #expect(try lastTwoDays.apply(to: threeDays, pattern: "/l/*").paths == ["/l/b.log", "/l/c.log"])
        let before = try parse(["upload.to": "36h"]).filter
        #expect(try before.apply(to: threeDays, pattern: "/l/*").paths == ["/l/a.log", "/l/c.log"])
        let between = try parse(["upload.from": "2d", "upload.to": "36h"]).filter
        #expect(try between.apply(to: threeDays, pattern: "/l/*").paths == ["/l/c.log"])
        let nothing = try parse(["upload.from": "1h"]).filter
        #expect(throws: OperationError.failed("no files to upload: none of the 3 file(s) matching '/l/*' was modified since 2025-12-03T09:00:00Z (upload.from)")) {
            try nothing.apply(to: threeDays, pattern: "/l/*")
        }
    }

    @Test func orderIsByModificationTime() throws {
        #expect(try parse(["upload.order": "newest"]).filter.apply(to: threeDays, pattern: "*").paths == ["/l/b.log", "/l/c.log", "/l/a.log"])
        #expect(try parse(["upload.order": "Oldest"]).filter.apply(to: threeDays, pattern: "*").paths == ["/l/a.log", "/l/c.log", "/l/b.log"])
    }

    @Test func sizeAndCountBoundsListWhatTheyLeaveOut() throws {
        let perFile = try parse(["upload.maxFileSize": "250"]).filter.apply(to: threeDays, pattern: "*")
        #expect(perFile.paths == ["/l/a.log", "/l/c.log"])
        #expect(perFile.refused.map(\.path) == ["/l/b.log"])
        #expect(perFile.refused.first?.reason == "larger than upload.maxFileSize (300 > 250 bytes)")

        let total = try parse(["upload.maxTotalSize": "350", "upload.order": "newest"]).filter.apply(to: threeDays, pattern: "*")
        #expect(total.paths == ["/l/b.log"], "newest first: 300 fits, 200 more would not")
        #expect(total.refused.map(\.reason) == ["beyond upload.maxTotalSize (350 bytes)", "beyond upload.maxTotalSize (350 bytes)"])

        let count = try parse(["upload.maxFiles": "2", "upload.order": "oldest"]).filter.apply(to: threeDays, pattern: "*")
        #expect(count.paths == ["/l/a.log", "/l/c.log"])
        #expect(count.refused.map(\.path) == ["/l/b.log"])

        #expect(throws: OperationError.failed("no files to upload: all 3 file(s) selected are larger than upload.maxFileSize (10 bytes)")) {
            try parse(["upload.maxFileSize": "10"]).filter.apply(to: threeDays, pattern: "*")
        }
        #expect(throws: OperationError.self) { try parse(["upload.maxTotalSize": "50"]).filter.apply(to: threeDays, pattern: "*") }
    }

    @Test func badValuesAreRefusedNamingTheOption() {
        let cases: [(String, String)] = [("upload.from", "soon"), ("upload.maxFileSize", "big"), ("upload.maxFiles", "-1"),
                                         ("upload.order", "random"), ("upload.priority", "high")]
        for (name, value) in cases {
            #expect {
                try parse([name: value])
            } throws: { error in
                (error as? OperationError)?.status == 400 && (error as? OperationError)?.message.hasPrefix("'\(name)'") == true
            }
        }
        #expect(throws: OperationError.self) { try parse(["upload.from": "1h", "upload.to": "2h"]) }
    }

    @Test func theTriggerWinsOverTheConfigsDefault() throws {
        let defaults = ["upload.maxFiles": "1", "upload.priority": "5"]
        #expect(try parse([:], defaults: defaults) == SelectionOptions(filter: SelectionFilter(maxFiles: 1), priority: 5))
        #expect(try parse(["upload.priority": "-2"], defaults: defaults).priority == -2)
    }

    @Test func configKeysSetTheDefaultsAndRefuseBadValues() throws {
        var config = AgentConfig()
        try ConfigKey.named("uploadFrom")!.apply(&config, .string("2h"))
        try ConfigKey.named("maxFileSize")!.apply(&config, .number(1000))
        try ConfigKey.named("uploadOrder")!.apply(&config, .string("newest"))
        #expect(config.selectionDefaults == ["upload.from": "2h", "upload.maxFileSize": "1000", "upload.order": "newest"])
        #expect(config.periodicPriority == -1)
        #expect(throws: ConfigError.self) { try ConfigKey.named("uploadOrder")!.apply(&config, .string("sideways")) }
    }

    @Test func aPriorityQueuePopsHigherFirstAndInOrderWithin() {
        var queue = PriorityQueue<String>()
        queue.push("p1")
        queue.push("periodic", priority: -1)
        queue.push("urgent1", priority: 10)
        queue.push("p2")
        queue.push("urgent2", priority: 10)
        #expect(queue.count == 5)
        #expect(queue.elements == ["urgent1", "urgent2", "p1", "p2", "periodic"])
        var popped: [String] = []
        while let next = queue.popFirst() { popped.append(next) }
        #expect(popped == ["urgent1", "urgent2", "p1", "p2", "periodic"])
        #expect(queue.isEmpty)
    }
}
