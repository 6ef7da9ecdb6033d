/// What must survive for a multipart upload to be resumed instead of started over: the
/// upload id and the parts S3 has confirmed. The provider reports every change of it;
/// persisting it (and checking it against ListParts on resume) is left to the caller.
public struct S3MultipartState: Codable, Sendable, Equatable {
    public var uploadId: String
    public var bucket: String
    public var key: String
    public var fileSize: Int64
    public var partSize: Int64
    /// Part number -> ETag (quoted, as S3 returned it).
    public var completedParts: [Int: String]
    /// Part number -> base64 SHA-256, when the upload sends checksums.
    public var partChecksums: [Int: String]

    public init(uploadId: String, bucket: String, key: String, fileSize: Int64, partSize: Int64,
                completedParts: [Int: String] = [:], partChecksums: [Int: String] = [:]) {
        self.uploadId = uploadId
        self.bucket = bucket
        self.key = key
        self.fileSize = fileSize
        self.partSize = partSize
        self.completedParts = completedParts
        self.partChecksums = partChecksums
    }
}
