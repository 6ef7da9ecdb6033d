/// An array being written by a `CompactJSONEncoder`.
struct CompactJSONUnkeyedContainer: UnkeyedEncodingContainer, CompactJSONPositionalWriting {
    let output: CompactJSONOutput
    /// How many containers are open while this one is innermost.
    let depth: Int
    private(set) var count = 0
    var codingPath: [any CodingKey] { [] }

    init(output: CompactJSONOutput, depth: Int) {
        self.output = output
        self.depth = depth
    }

    mutating func beginValue() {
        output.beginMember(ofContainerAt: depth, key: nil)
        count += 1
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        beginValue()
        output.container(at: depth, isObject: true)
        return KeyedEncodingContainer(CompactJSONKeyedContainer<NestedKey>(output: output, depth: depth + 1))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        beginValue()
        output.container(at: depth, isObject: false)
        return CompactJSONUnkeyedContainer(output: output, depth: depth + 1)
    }

    /// The encoder must write a value: unlike JSONEncoder, nothing fills in an empty one.
    mutating func superEncoder() -> any Encoder {
        beginValue()
        return CompactJSONValueEncoder(output: output, depth: depth)
    }
}
