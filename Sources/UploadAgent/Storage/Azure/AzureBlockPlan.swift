/// How a file is cut into blocks of a block blob. Azure commits at most 50,000 blocks, so
/// the block size grows with the file; block ids must all have the same length, so they
/// are the base64 of a zero-padded index.
struct AzureBlockPlan: Sendable, Equatable {
    static let defaultBlockSize: Int64 = 8 * 1024 * 1024
    static let maxBlockCount: Int64 = 50_000
    /// Largest block Azure accepts (service version 2019-12-12 and later).
    static let maxBlockSize: Int64 = 4000 * 1024 * 1024
    /// Digits of the padded index: 48 digits encode to 64 base64 characters, the length
    /// Microsoft's SDKs use, so a blob they staged blocks for keeps one id length.
    static let blockIDDigits = 48

    let fileSize: Int64
    let blockSize: Int64

    /// Uses `preferredBlockSize`, grown (in whole MiB) until the file fits in 50,000 blocks.
    /// Throws when even 4,000 MiB blocks cannot hold the file.
    init(fileSize: Int64, preferredBlockSize: Int64 = defaultBlockSize) throws(UploadFailure) {
        precondition(preferredBlockSize > 0, "block size must be positive")
        var blockSize = preferredBlockSize
        if (fileSize + blockSize - 1) / blockSize > Self.maxBlockCount {
            let mebibyte: Int64 = 1024 * 1024
            let needed = (fileSize + Self.maxBlockCount - 1) / Self.maxBlockCount
            blockSize = (needed + mebibyte - 1) / mebibyte * mebibyte
        }
        guard blockSize <= Self.maxBlockSize else {
            throw UploadFailure("file of \(fileSize) bytes is too large for an Azure block blob "
                + "(at most \(Self.maxBlockCount) blocks of \(Self.maxBlockSize) bytes)")
        }
        self.fileSize = fileSize
        self.blockSize = blockSize
    }

    /// A file no larger than one block goes up in a single Put Blob.
    var usesSingleRequest: Bool { fileSize <= blockSize }

    var blockCount: Int { Int(max(1, (fileSize + blockSize - 1) / blockSize)) }

    func offset(ofBlock index: Int) -> Int64 { Int64(index) * blockSize }

    func length(ofBlock index: Int) -> Int64 {
        min(blockSize, fileSize - offset(ofBlock: index))
    }

    /// The id of block `index`: base64 of the index zero-padded to 48 digits.
    static func blockID(_ index: Int) -> String {
        let digits = String(index)
        let padded = String(repeating: "0", count: max(0, blockIDDigits - digits.count)) + digits
        return Array(padded.utf8).base64String
    }

    func blockID(_ index: Int) -> String { Self.blockID(index) }
}
