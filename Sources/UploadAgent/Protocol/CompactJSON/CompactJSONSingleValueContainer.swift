/// A single value written by a `CompactJSONEncoder` where its encoder stands.
struct CompactJSONSingleValueContainer: SingleValueEncodingContainer, CompactJSONPositionalWriting {
    let output: CompactJSONOutput
    var codingPath: [any CodingKey] { [] }

    /// The position was taken by whoever handed out the encoder.
    mutating func beginValue() {}
}
