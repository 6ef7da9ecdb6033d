/// Every fuzz target. Adding one: a file with an `enum XFuzzTarget: FuzzTarget`, a line
/// here, and a few seeds in `Tests/fuzz/corpus/<name>/`; `scripts/fuzz` finds it by itself.
enum FuzzTargets {
    nonisolated(unsafe) static let all: [any FuzzTarget.Type] = [
        CommandFuzzTarget.self,
        JSONFuzzTarget.self,
        S3ReplyFuzzTarget.self,
        AzureReplyFuzzTarget.self,
        HeaderFuzzTarget.self,
        TimeFuzzTarget.self,
        DurationSizeFuzzTarget.self,
        ConfigFuzzTarget.self,
        EdgeIdentityFuzzTarget.self,
        JournalFuzzTarget.self,
    ]

    static func named(_ name: String) -> (any FuzzTarget.Type)? {
        all.first { $0.name == name }
    }
}
