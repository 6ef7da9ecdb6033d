/// What the backend asks S3 to store with the object (`aws.metadata.<name>`,
/// `aws.storage.class`, `aws.server.side.encryption`, `aws.sse.kms.key.id`, `aws.tagging`):
/// headers sent, and signed, on PutObject and CreateMultipartUpload. The agent signs
/// itself, so these cannot be added by the backend afterwards.
struct S3ObjectSettings: Sendable {
    static let storageClasses = ["STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA",
                                 "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR",
                                 "OUTPOSTS", "SNOW", "EXPRESS_ONEZONE"]
    static let encryptions = ["AES256", "aws:kms", "aws:kms:dsse"]

    let metadata: ObjectMetadata
    let storageClass: String?
    let serverSideEncryption: String?
    let kmsKeyId: String?
    let tagging: String?

    init(_ options: [String: String]) throws(InvalidStartOptions) {
        metadata = try ObjectMetadata(options: options, prefix: "aws.metadata.")
        storageClass = try options.choice("aws.storage.class", from: Self.storageClasses)
        serverSideEncryption = try options.choice("aws.server.side.encryption", from: Self.encryptions)
        kmsKeyId = options["aws.sse.kms.key.id"].flatMap { $0.isEmpty ? nil : $0 }
        if kmsKeyId != nil, !(serverSideEncryption?.hasPrefix("aws:kms") ?? false) {
            throw InvalidStartOptions("'aws.sse.kms.key.id' needs 'aws.server.side.encryption' aws:kms or aws:kms:dsse")
        }
        if let kmsKeyId, !Self.isPrintableASCII(kmsKeyId) {
            throw InvalidStartOptions("'aws.sse.kms.key.id' must be printable ASCII")
        }
        tagging = options["aws.tagging"].flatMap { $0.isEmpty ? nil : $0 }
        if let tagging, let problem = Self.taggingProblem(tagging) {
            throw InvalidStartOptions("'aws.tagging' \(problem)")
        }
    }

    /// The headers for the object, in a fixed order.
    var headers: [(name: String, value: String)] {
        var headers = metadata.headers("x-amz-meta-")
        if let storageClass { headers.append(("x-amz-storage-class", storageClass)) }
        if let serverSideEncryption { headers.append(("x-amz-server-side-encryption", serverSideEncryption)) }
        if let kmsKeyId { headers.append(("x-amz-server-side-encryption-aws-kms-key-id", kmsKeyId)) }
        if let tagging { headers.append(("x-amz-tagging", tagging)) }
        return headers
    }

    /// Why `tagging` is not a URL-encoded `key=value&…` list, or nil.
    static func taggingProblem(_ tagging: String) -> String? {
        guard isPrintableASCII(tagging), !tagging.contains(" ") else {
            return "must be URL-encoded printable ASCII, such as 'team=edge&kind=log'"
        }
        for pair in tagging.split(separator: "&", omittingEmptySubsequences: false) {
            let key = pair.prefix { $0 != "=" }
            guard !key.isEmpty else {
                return "must be URL-encoded 'key=value' pairs joined by '&', such as 'team=edge&kind=log'"
            }
        }
        return nil
    }

    static func isPrintableASCII(_ text: String) -> Bool { text.utf8.allSatisfy { (0x20...0x7e).contains($0) } }
}
