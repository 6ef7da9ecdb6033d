extension String {
    /// Where `needle` first occurs, compared byte by byte (UTF-8). For the per-file hot
    /// paths (URLs, topics): the generic `firstRange(of:)` costs microseconds a call.
    func firstByteRange(of needle: String) -> Range<String.Index>? {
        let haystack = utf8
        let pattern = needle.utf8
        guard let first = pattern.first, pattern.count <= haystack.count else { return pattern.isEmpty ? startIndex..<startIndex : nil }
        var candidate = haystack.startIndex
        while let start = haystack[candidate...].firstIndex(of: first) {
            var end = start
            var matched = true
            for byte in pattern {
                guard end < haystack.endIndex, haystack[end] == byte else { matched = false; break }
                end = haystack.index(after: end)
            }
            if matched { return start..<end }
            candidate = haystack.index(after: start)
        }
        return nil
    }

    func containsBytes(_ needle: String) -> Bool { firstByteRange(of: needle) != nil }
}
