/// The `Encoder` a value gets from `CompactJSONEncoder`: its containers write into the
/// shared output at the position of that value (`depth` containers deep).
struct CompactJSONValueEncoder: Encoder {
    let output: CompactJSONOutput
    let depth: Int
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        output.container(at: depth, isObject: true)
        return KeyedEncodingContainer(CompactJSONKeyedContainer<Key>(output: output, depth: depth + 1))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        output.container(at: depth, isObject: false)
        return CompactJSONUnkeyedContainer(output: output, depth: depth + 1)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        CompactJSONSingleValueContainer(output: output)
    }
}
