/// The fields of a JSON object looked up the way Go's `encoding/json` (and so Kanto)
/// matches them to a struct: a key spelled exactly as asked wins, and otherwise a key that
/// differs only in letter case is taken. A backend written for Kanto may send
/// `"CorrelationId"` or `"STATUSCODE"`; dropping those silently would lose the id.
struct JSONFields: Sendable {
    let object: [String: JSONValue]

    init(_ object: [String: JSONValue]) {
        self.object = object
    }

    /// The value of the first of `names` present exactly, else of a key equal to one of
    /// them ignoring case (the smallest such key, so the choice does not depend on hashing).
    subscript(_ names: String...) -> JSONValue? {
        for name in names {
            if let value = object[name] { return value }
        }
        let wanted = Set(names.map { $0.lowercased() })
        return object.keys.filter { wanted.contains($0.lowercased()) }.min().flatMap { object[$0] }
    }
}
