/// One part as ListParts reports it: how a resumed multipart upload learns which parts
/// S3 really holds, rather than trusting what the journal remembers.
struct S3ListedPart: Sendable, Equatable {
    var number: Int
    var etag: String
    var size: Int64
    var checksumSHA256: String?

    /// The `<Part>` entries of a ListParts reply; entries that lack a number, an ETag or
    /// a size are skipped.
    static func parse(_ xml: String) -> [S3ListedPart] {
        xml.split(separator: "<Part>").dropFirst().compactMap { entry in
            let body = entry.split(separator: "</Part>", maxSplits: 1).first ?? entry
            guard let number = XMLText.firstElement("PartNumber", in: body).flatMap({ Int($0) }),
                  let etag = XMLText.firstElement("ETag", in: body), !etag.isEmpty,
                  let size = XMLText.firstElement("Size", in: body).flatMap({ Int64($0) }) else { return nil }
            return S3ListedPart(number: number, etag: etag, size: size,
                                checksumSHA256: XMLText.firstElement("ChecksumSHA256", in: body))
        }
    }

    /// ETags compare without their quotes (some stores list them bare).
    static func sameETag(_ a: String, _ b: String) -> Bool {
        a.trimmingCharacters(in: "\"") == b.trimmingCharacters(in: "\"")
    }
}
