/// The two XML documents of block uploads: the body of Put Block List that commits the
/// blocks in order, and the answer of Get Block List that says which blocks the service
/// holds (for resuming).
enum AzureBlockListXML {
    /// `<BlockList><Latest>id</Latest>…</BlockList>`: Latest takes the newest version of
    /// each block, whether a retry re-sent it or not.
    static func commitBody(blockIDs: [String]) -> [UInt8] {
        var xml = #"<?xml version="1.0" encoding="utf-8"?><BlockList>"#
        for id in blockIDs {
            xml += "<Latest>\(id)</Latest>"
        }
        xml += "</BlockList>"
        return Array(xml.utf8)
    }

    /// A block as Get Block List reports it.
    struct ListedBlock: Sendable, Equatable {
        var id: String
        var size: Int64
    }

    /// The blocks under `<CommittedBlocks>` and `<UncommittedBlocks>` of a Get Block List answer.
    static func parseBlockList(_ xml: String) -> (committed: [ListedBlock], uncommitted: [ListedBlock]) {
        (blocks(in: section("CommittedBlocks", of: xml)), blocks(in: section("UncommittedBlocks", of: xml)))
    }

    /// A section ends at its closing tag, or (a reply cut at the body cap, or a broken one)
    /// where the other section opens, or at the end: never inside the other section, so
    /// no block is listed as both committed and uncommitted.
    private static func section(_ name: String, of xml: String) -> Substring {
        guard let open = xml.firstRange(of: "<\(name)>") else { return "" }
        var rest = xml[open.upperBound...]
        for end in ["</\(name)>", "<CommittedBlocks>", "<UncommittedBlocks>"] {
            if let close = rest.firstRange(of: end) { rest = rest[..<close.lowerBound] }
        }
        return rest
    }

    private static func blocks(in section: Substring) -> [ListedBlock] {
        var result: [ListedBlock] = []
        var rest = section
        while let open = rest.firstRange(of: "<Block>") {
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.firstRange(of: "</Block>") else { break }
            let block = String(afterOpen[afterOpen.startIndex..<close.lowerBound])
            if let name = XMLText.firstElement("Name", in: block) {
                let size = XMLText.firstElement("Size", in: block).flatMap { Int64($0) } ?? 0
                result.append(ListedBlock(id: name, size: size))
            }
            rest = afterOpen[close.upperBound...]
        }
        return result
    }
}
