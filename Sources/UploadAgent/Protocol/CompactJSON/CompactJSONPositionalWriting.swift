/// What the unkeyed and the single-value containers of `CompactJSONEncoder` share: every
/// value first takes its position (`beginValue`: a comma in an array), then is written.
protocol CompactJSONPositionalWriting {
    var output: CompactJSONOutput { get }
    var codingPath: [any CodingKey] { get }
    mutating func beginValue()
}

extension CompactJSONPositionalWriting {
    mutating func encodeNil() throws { beginValue(); output.writeNull() }
    mutating func encode(_ value: Bool) throws { beginValue(); output.write(value) }
    mutating func encode(_ value: String) throws { beginValue(); output.write(value) }
    mutating func encode(_ value: Double) throws { beginValue(); try output.write(value, codingPath: codingPath) }
    mutating func encode(_ value: Float) throws { beginValue(); try output.write(Double(value), codingPath: codingPath) }
    mutating func encode(_ value: Int) throws { beginValue(); output.write(value) }
    mutating func encode(_ value: Int8) throws { beginValue(); output.write(value) }
    mutating func encode(_ value: Int16) throws { beginValue(); output.write(value) }
    mutating func encode(_ value: Int32) throws { beginValue(); output.write(value) }
    mutating func encode(_ value: Int64) throws { beginValue(); output.write(value) }
    mutating func encode(_ value: UInt) throws { beginValue(); output.write(value) }
    mutating func encode(_ value: UInt8) throws { beginValue(); output.write(value) }
    mutating func encode(_ value: UInt16) throws { beginValue(); output.write(value) }
    mutating func encode(_ value: UInt32) throws { beginValue(); output.write(value) }
    mutating func encode(_ value: UInt64) throws { beginValue(); output.write(value) }

    mutating func encode<Value: Encodable>(_ value: Value) throws {
        beginValue()
        try output.encodeValue(value)
    }
}
