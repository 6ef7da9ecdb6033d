/// An object being written by a `CompactJSONEncoder`: each member starts with its key.
struct CompactJSONKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let output: CompactJSONOutput
    /// How many containers are open while this one is innermost.
    let depth: Int
    var codingPath: [any CodingKey] { [] }

    private func begin(_ key: Key) { output.beginMember(ofContainerAt: depth, key: key.stringValue) }

    mutating func encodeNil(forKey key: Key) throws { begin(key); output.writeNull() }
    mutating func encode(_ value: Bool, forKey key: Key) throws { begin(key); output.write(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { begin(key); output.write(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { begin(key); try output.write(value, codingPath: codingPath) }
    mutating func encode(_ value: Float, forKey key: Key) throws { begin(key); try output.write(Double(value), codingPath: codingPath) }
    mutating func encode(_ value: Int, forKey key: Key) throws { begin(key); output.write(value) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { begin(key); output.write(value) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { begin(key); output.write(value) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { begin(key); output.write(value) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { begin(key); output.write(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { begin(key); output.write(value) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { begin(key); output.write(value) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { begin(key); output.write(value) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { begin(key); output.write(value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { begin(key); output.write(value) }

    // Optionals of the kinds records hold, without the generic path (nothing when nil).
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } }

    mutating func encode<Value: Encodable>(_ value: Value, forKey key: Key) throws {
        begin(key)
        try output.encodeValue(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type,
                                                         forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        begin(key)
        output.container(at: depth, isObject: true)
        return KeyedEncodingContainer(CompactJSONKeyedContainer<NestedKey>(output: output, depth: depth + 1))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        begin(key)
        output.container(at: depth, isObject: false)
        return CompactJSONUnkeyedContainer(output: output, depth: depth + 1)
    }

    /// The encoder must write a value: unlike JSONEncoder, nothing fills in an empty one.
    mutating func superEncoder() -> any Encoder {
        output.beginMember(ofContainerAt: depth, key: "super")
        return CompactJSONValueEncoder(output: output, depth: depth)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        begin(key)
        return CompactJSONValueEncoder(output: output, depth: depth)
    }
}
