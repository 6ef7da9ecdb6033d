/// User metadata for an object, from the `start` options under one prefix
/// (`aws.metadata.<name>`, `azure.metadata.<name>`), checked before anything is sent.
/// Names are tokens (Azure's also C# identifiers, as the service requires); values are
/// printable ASCII, as both services store them, so nothing can break a header line.
struct ObjectMetadata: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var name: String
        var value: String
    }

    /// Sorted by name, so requests (and their signatures) do not depend on dictionary order.
    let entries: [Entry]

    init(options: [String: String], prefix: String, identifiersOnly: Bool = false) throws(InvalidStartOptions) {
        var entries: [Entry] = []
        for (key, value) in options where key.hasPrefix(prefix) {
            let name = String(key.dropFirst(prefix.count))
            let shown = HTTPHeaderField.printable(name)
            guard HTTPHeaderField.isValidName(name) else {
                throw InvalidStartOptions("option '\(prefix)\(shown)': a metadata name must be a token (letters, digits and !#$%&'*+-.^_`|~)")
            }
            if identifiersOnly, !Self.isIdentifier(name) {
                throw InvalidStartOptions("option '\(prefix)\(shown)': a metadata name must start with a letter or '_' and hold only letters, digits and '_'")
            }
            guard value.utf8.allSatisfy({ $0 == 0x09 || (0x20...0x7e).contains($0) }) else {
                throw InvalidStartOptions("option '\(prefix)\(shown)': the value must be printable ASCII, without line breaks or NUL")
            }
            entries.append(Entry(name: name, value: value))
        }
        self.entries = entries.sorted { $0.name < $1.name }
        let lowered = self.entries.map { $0.name.lowercased() }
        if Set(lowered).count != lowered.count {
            throw InvalidStartOptions("options '\(prefix)*' name the same metadata twice in different letter case")
        }
    }

    /// The headers that carry the metadata: `headerPrefix` + name.
    func headers(_ headerPrefix: String) -> [(name: String, value: String)] {
        entries.map { (headerPrefix + $0.name, $0.value) }
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || first.isASCIILetter else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || $0.isASCIILetter || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}

private extension UInt8 {
    var isASCIILetter: Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self | 0x20) }
}
