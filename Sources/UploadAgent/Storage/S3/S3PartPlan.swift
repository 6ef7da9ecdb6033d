/// How a file is cut into S3 parts: one PutObject up to the part size, otherwise parts of
/// the part size (at least 5 MiB, S3's minimum for all but the last part), grown in whole
/// MiB so that no file needs more than S3's 10,000 parts.
struct S3PartPlan: Sendable, Equatable {
    static let mebibyte: Int64 = 1 << 20
    static let defaultPartSize: Int64 = 8 * mebibyte
    static let minimumPartSize: Int64 = 5 * mebibyte
    static let maximumPartCount: Int64 = 10_000

    let fileSize: Int64
    let partSize: Int64

    init(fileSize: Int64, preferredPartSize: Int64 = defaultPartSize) {
        self.fileSize = fileSize
        var size = max(preferredPartSize, Self.minimumPartSize)
        if fileSize > size * Self.maximumPartCount {
            let needed = (fileSize + Self.maximumPartCount - 1) / Self.maximumPartCount
            size = (needed + Self.mebibyte - 1) / Self.mebibyte * Self.mebibyte
        }
        partSize = size
    }

    /// One PutObject suffices.
    var isSinglePut: Bool { fileSize <= partSize }

    var partCount: Int { fileSize == 0 ? 1 : Int((fileSize + partSize - 1) / partSize) }

    /// The byte range of part `number` (1-based).
    func range(ofPart number: Int) -> (offset: Int64, length: Int64) {
        let offset = Int64(number - 1) * partSize
        return (offset, min(partSize, fileSize - offset))
    }
}
