/// An upload's `fileStates` in the status file: `{"PENDING": 3, "UPLOADING": 1, …}`,
/// the states that have files, in the order of `UploadState`.
struct FileStateCounts: Encodable, Sendable {
    var counts: [(state: UploadState, count: Int)]

    private struct StateKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: StateKey.self)
        for (state, count) in counts { try container.encode(count, forKey: StateKey(stringValue: state.rawValue)) }
    }
}
