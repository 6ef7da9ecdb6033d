/// An upload's `fileStates` in the status file: `{"PENDING": 3, "UPLOADING": 1, …}`,
/// the states that have files, in the order of `UploadState`.
struct FileStateCounts: Encodable, Sendable, Equatable {
    var counts: [(state: UploadState, count: Int)]

    static func == (left: Self, right: Self) -> Bool {
        left.counts.elementsEqual(right.counts) { $0.state == $1.state && $0.count == $1.count }
    }

    func count(_ state: UploadState) -> Int { counts.first { $0.state == state }?.count ?? 0 }

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
