/// What the bytes of a damaged journal record still tell: the uploads it was about. One
/// flipped bit leaves almost all of a line readable, so the ids in it usually survive,
/// and an upload whose records were all damaged can still be reported instead of
/// vanishing. A record of what was last reported is skipped: its upload may be long gone.
enum DamagedRecordSalvage {
    private static let parentKey = Array(#""parentId":""#.utf8)
    private static let idKeys = [#""correlationId":""#, #""id":""#].map { Array($0.utf8) }
    /// Either marks a `lastReported` record: one flip cannot erase both.
    private static let reportMarkers = [#"{"lastReported""#, #""progress":"#].map { Array($0.utf8) }
    static let maxIdBytes = 4096

    /// The upload ids named in `line`: the parent of a file record, the id of an upload
    /// or removal record (a file id "<upload>#<n>" when only that survived).
    static func uploadIds(in line: ArraySlice<UInt8>) -> Set<String> {
        if reportMarkers.contains(where: { !occurrences(of: $0, in: line).isEmpty }) { return [] }
        let parents = values(of: parentKey, in: line)
        if !parents.isEmpty { return Set(parents) }
        return Set(idKeys.flatMap { values(of: $0, in: line) })
    }

    /// The string values after each occurrence of `key`; values with escapes are skipped.
    private static func values(of key: [UInt8], in line: ArraySlice<UInt8>) -> [String] {
        occurrences(of: key, in: line).compactMap { start in
            let rest = line[start...].prefix(maxIdBytes + 1)
            guard let end = rest.firstIndex(of: UInt8(ascii: "\"")),
                  !rest[..<end].contains(UInt8(ascii: "\\")), end > start else { return nil }
            return String(validating: rest[..<end], as: UTF8.self)
        }
    }

    /// The positions just after each occurrence of `needle`.
    private static func occurrences(of needle: [UInt8], in line: ArraySlice<UInt8>) -> [Int] {
        guard !needle.isEmpty, line.count >= needle.count else { return [] }
        var found: [Int] = []
        var index = line.startIndex
        while index <= line.endIndex - needle.count {
            if line[index] == needle[0], line[index..<index + needle.count].elementsEqual(needle) {
                found.append(index + needle.count)
                index += needle.count
            } else {
                index += 1
            }
        }
        return found
    }
}
