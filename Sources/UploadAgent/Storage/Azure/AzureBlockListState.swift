/// What survives a restart of a block upload: which blob, how it was cut, and which blocks
/// the service already holds. With it a later run asks Get Block List
/// (`blocklisttype=uncommitted`), sends only the missing blocks and commits. It holds no
/// secret: the URL is without its SAS, which a resumed upload gets anew from `start`.
public struct AzureBlockListState: Codable, Sendable, Equatable {
    /// The blob URL without the SAS query.
    public var blobURL: String
    public var fileSize: Int64
    public var blockSize: Int64
    /// Ids of the blocks put so far, in block order.
    public var blockIDs: [String]

    public init(blobURL: String, fileSize: Int64, blockSize: Int64, blockIDs: [String] = []) {
        self.blobURL = blobURL
        self.fileSize = fileSize
        self.blockSize = blockSize
        self.blockIDs = blockIDs
    }
}
