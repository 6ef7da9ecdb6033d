/// The bytes written so far by a `CompactJSONEncoder` and the containers still open.
/// A container is closed when its parent writes its next member, or when the value that
/// opened it has finished encoding.
final class CompactJSONOutput {
    var bytes: [UInt8] = []
    /// The open containers, innermost last: whether each is an object, and whether it
    /// has a member yet (the next one needs a comma).
    private var open: [(isObject: Bool, hasMembers: Bool)] = []
    /// Each member on a line of its own, indented two spaces per level (for files people
    /// read, such as the status file).
    private let indented: Bool

    init(indented: Bool = false) {
        self.indented = indented
        bytes.reserveCapacity(256)
    }

    var depth: Int { open.count }

    /// Encodes one value where the output stands (top level, after a key, in an array).
    func encodeValue<Value: Encodable>(_ value: Value) throws {
        if Value.self == String.self {
            // The common case inside dictionaries and arrays, without a trip through Encoder.
            JSONWriter.writeString(value as! String, into: &bytes)
            return
        }
        let depth = open.count
        let start = bytes.count
        try value.encode(to: CompactJSONValueEncoder(output: self, depth: depth))
        if bytes.count == start { bytes += "{}".utf8 }  // encoded nothing: as JSONEncoder does
        close(downTo: depth)
    }

    /// Opens the container of the value being encoded, or finds it already open (an
    /// `encode(to:)` may ask its encoder for the same container twice).
    func container(at depth: Int, isObject: Bool) {
        if open.count > depth {
            close(downTo: depth + 1)
        } else {
            bytes.append(isObject ? UInt8(ascii: "{") : UInt8(ascii: "["))
            open.append((isObject, false))
        }
    }

    /// Starts the next member of the container `depth` levels deep: closes what its
    /// previous member left open, writes the comma and, in an object, the key.
    func beginMember(ofContainerAt depth: Int, key: String?) {
        close(downTo: depth)
        if open[depth - 1].hasMembers { bytes.append(UInt8(ascii: ",")) } else { open[depth - 1].hasMembers = true }
        if indented { newLine(depth: depth) }
        if let key {
            JSONWriter.writeString(key, into: &bytes)
            bytes.append(UInt8(ascii: ":"))
            if indented { bytes.append(UInt8(ascii: " ")) }
        }
    }

    func close(downTo depth: Int) {
        while open.count > depth {
            let container = open.removeLast()
            if indented && container.hasMembers { newLine(depth: open.count) }
            bytes.append(container.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
        }
    }

    private func newLine(depth: Int) {
        bytes.append(10)
        bytes += repeatElement(UInt8(ascii: " "), count: 2 * depth)
    }

    // MARK: - Scalars

    func writeNull() { bytes += "null".utf8 }

    func write(_ flag: Bool) { bytes += (flag ? "true" : "false").utf8 }

    func write(_ text: String) { JSONWriter.writeString(text, into: &bytes) }

    func write(_ number: some BinaryInteger) { JSONWriter.writeInteger(number, into: &bytes) }

    func write(_ number: Double, codingPath: [any CodingKey]) throws {
        guard number.isFinite else {
            throw EncodingError.invalidValue(number, .init(codingPath: codingPath, debugDescription: "JSON has no \(number)"))
        }
        bytes += number.description.utf8
    }
}
