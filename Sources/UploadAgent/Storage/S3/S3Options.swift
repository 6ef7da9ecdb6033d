/// The `start` options of `storage.provider: aws`, checked once before anything is sent, so
/// a missing or malformed option is answered with 400 naming the key.
struct S3Options: Sendable {
    var region: String
    var credentials: AWSCredentials
    var bucket: String
    /// The `aws.object.key` option with `{file}` and `{device}` still in it; nil when the
    /// backend gave none, and the key is the file's path (Kanto's default).
    var objectKeyTemplate: String?
    /// An S3-compatible endpoint (`http(s)://host[:port][/prefix]`); nil for AWS itself.
    var endpoint: String?
    /// Metadata, storage class, encryption and tags for the object.
    var object: S3ObjectSettings

    static let secretKeyOption = "aws.secret.access.key"
    static let sessionTokenOption = "aws.session.token"

    init(_ options: [String: String]) throws(InvalidStartOptions) {
        region = try options.required("aws.region")
        credentials = AWSCredentials(
            accessKeyId: try options.required("aws.access.key.id"),
            secretAccessKey: try options.required(Self.secretKeyOption),
            sessionToken: options[Self.sessionTokenOption].flatMap { $0.isEmpty ? nil : $0 })
        bucket = try options.required("aws.s3.bucket")
        object = try S3ObjectSettings(options)
        objectKeyTemplate = options["aws.object.key"].flatMap { $0.isEmpty ? nil : $0 }
        if let objectKeyTemplate, let problem = Self.dotSegmentProblem(in: objectKeyTemplate) {
            throw InvalidStartOptions("'aws.object.key' \(problem)")
        }
        if let endpoint = options["aws.endpoint"], !endpoint.isEmpty {
            let scheme = endpoint.prefix(while: { $0 != ":" }).lowercased()
            guard endpoint.contains("://"), scheme == "http" || scheme == "https",
                  AWSRequestURL(endpoint) != nil else {
                throw InvalidStartOptions("'aws.endpoint' must be an http or https URL, not '\(endpoint)'")
            }
            self.endpoint = endpoint
        } else {
            endpoint = nil
        }
        guard region.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
            throw InvalidStartOptions("'aws.region' must look like 'eu-central-1', not '\(region)'")
        }
    }

    /// Why `key` cannot be sent as it is signed, or nil. HTTP stacks (libcurl among them)
    /// and S3-compatible servers resolve `.` and `..` path segments, so the path that arrives
    /// would differ from the one signed: refused with a message that says so, instead of a
    /// misleading 403 SignatureDoesNotMatch.
    static func dotSegmentProblem(in key: String) -> String? {
        let segments = key.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.contains(where: { $0 == "." || $0 == ".." }) else { return nil }
        return "'\(BoundedText.cut(key))' has a '.' or '..' path segment, which S3 would not store under that name"
    }

    /// The object key for `file`. Without `aws.object.key` it is the path exactly as the
    /// request's `file.path` gave it, leading `/` included, as Kanto stores it: a backend
    /// made for Kanto finds the object under that key, and two files of the same name in
    /// different folders do not overwrite each other. In a given template `{file}` becomes
    /// the base name and `{device}` the device id, and leading slashes are dropped.
    func objectKey(for file: UploadSource, deviceId: String) -> String {
        guard let objectKeyTemplate else { return file.path }
        let key = objectKeyTemplate
            .replacing("{file}", with: file.baseName)
            .replacing("{device}", with: deviceId)
        return String(key.drop(while: { $0 == "/" }))
    }
}
