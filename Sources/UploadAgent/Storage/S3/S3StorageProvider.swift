/// Uploads to AWS S3 or an S3-compatible store (`storage.provider: aws`), signing with our
/// own SigV4 code. A file up to the part size goes up in one PutObject; a larger one as a
/// multipart upload with parts in parallel, aborted on any failure.
///
/// With `checksum` on, every PutObject and UploadPart carries `Content-MD5` and
/// `x-amz-checksum-sha256` (the multipart upload is created with
/// `x-amz-checksum-algorithm: SHA256` and completed with each part's checksum), so S3
/// rejects a body that changed on the way. moto (our test server) accepts both headers but
/// verifies neither, so the integration tests prove the bytes arrived intact by hashing
/// them, and the unit tests check the header values.
public struct S3StorageProvider: StorageProvider {
    /// Keys carry no expiry: the server's answer decides, and a refusal asks for new ones.
    public static let descriptor = StorageProviderDescriptor(
        name: "aws", secretOptionKeys: [S3Options.secretKeyOption, S3Options.sessionTokenOption])

    let options: S3Options
    let context: ProviderContext
    let client: S3Client
    let preferredPartSize: Int64
    let partsInFlight: Int
    /// Receives the multipart state after every change, so a caller can persist it and a
    /// later run can resume with `upload(_:resuming:progress:)`.
    public var multipartStateDidChange: @Sendable (S3MultipartState) -> Void = { _ in }

    /// Parts sized to the link (`TransferSizing`): 8 MiB, four in flight, when it is fast
    /// or unlimited; on a slow one 5 MiB (S3's minimum), one at a time.
    public init(options: [String: String], context: ProviderContext) throws {
        let sizing = TransferSizing.choose(rate: context.linkRate, minimum: S3PartPlan.minimumPartSize,
                                           granularity: S3PartPlan.mebibyte, preferred: S3PartPlan.defaultPartSize,
                                           maxInFlight: S3MultipartUploader.defaultPartsInFlight)
        try self.init(options: options, context: context, partSize: sizing.pieceSize, partsInFlight: sizing.inFlight)
    }

    /// `partSize` is raised to S3's minimum of 5 MiB.
    init(options: [String: String], context: ProviderContext, partSize: Int64,
         partsInFlight: Int = S3MultipartUploader.defaultPartsInFlight) throws {
        self.options = try S3Options(options)
        self.context = context
        self.preferredPartSize = partSize
        self.partsInFlight = max(1, partsInFlight)
        let deviceNow = context.now
        let serverClock = context.serverClock
        client = S3Client(
            address: S3ObjectAddress(bucket: self.options.bucket, region: self.options.region,
                                     endpoint: self.options.endpoint),
            signer: SigV4Signer(credentials: self.options.credentials, region: self.options.region,
                                now: { serverClock.serverTime(deviceTime: deviceNow()) }),
            transport: context.transport, serverClock: serverClock, deviceNow: deviceNow)
    }

    public func upload(_ file: UploadSource, progress: @escaping @Sendable (Int64) -> Void) async throws {
        try await upload(file, resuming: nil, progress: progress)
    }

    /// Continues a multipart upload an earlier run recorded, with the parts ListParts
    /// still shows; anything S3 no longer holds (or another object) starts over.
    public func upload(_ file: UploadSource, resumption: UploadResumption,
                       progress: @escaping @Sendable (Int64) -> Void) async throws {
        var resuming: S3MultipartState?
        if case .s3Multipart(let recorded)? = resumption.from {
            let key = options.objectKey(for: file, deviceId: context.deviceId)
            let plan = S3PartPlan(fileSize: file.size, preferredPartSize: recorded.partSize)
            let uploader = S3MultipartUploader(client: client, bucket: options.bucket, key: key, file: file,
                                               plan: plan, checksum: context.checksum)
            resuming = try await uploader.verified(recorded)
            if resuming == nil, await uploader.completedEarlier(recorded) {
                progress(file.size)
                resumption.confirmed(nil)
                return
            }
        }
        try await upload(file, resuming: resuming, resumption: resumption, progress: progress)
    }

    /// Aborts a recorded multipart upload that will not be resumed, so S3 does not keep
    /// (and bill) its parts.
    public func discard(_ progress: ServerProgress, of file: UploadSource) async -> String? {
        guard case .s3Multipart(let recorded) = progress else { return nil }
        let plan = S3PartPlan(fileSize: recorded.fileSize, preferredPartSize: recorded.partSize)
        var uploader = S3MultipartUploader(client: client, bucket: recorded.bucket, key: recorded.key, file: file,
                                           plan: plan, checksum: context.checksum)
        uploader.sleep = context.sleep
        return await uploader.abortUntilGone(recorded.uploadId)
    }

    /// S3's type for an object of unknown content.
    static let binaryContentType = "application/octet-stream"

    /// What the object is stored with: its content type and the backend's object settings.
    func objectHeaders(for file: UploadSource) -> [(name: String, value: String)] {
        [("Content-Type", context.contentTypes.type(for: file.baseName, binary: Self.binaryContentType))]
            + options.object.headers
    }

    /// Uploads `file`; `resuming` continues a multipart upload recorded earlier.
    public func upload(_ file: UploadSource, resuming: S3MultipartState?, resumption: UploadResumption = .none,
                       progress: @escaping @Sendable (Int64) -> Void) async throws {
        let key = options.objectKey(for: file, deviceId: context.deviceId)
        guard !key.isEmpty else {  // a PUT on the bucket itself would mean something else entirely
            throw UploadFailure("'aws.object.key' gives an empty object key for \(file.path)")
        }
        if let problem = S3Options.dotSegmentProblem(in: key) {
            throw UploadFailure("object key for \(file.path) \(problem)")
        }
        let plan = S3PartPlan(fileSize: file.size, preferredPartSize: resuming?.partSize ?? preferredPartSize)
        if plan.isSinglePut && resuming == nil {
            try await putObject(file, key: key, progress: progress)
        } else {
            var uploader = S3MultipartUploader(client: client, bucket: options.bucket, key: key, file: file,
                                               plan: plan, checksum: context.checksum)
            uploader.partsInFlight = partsInFlight
            uploader.sleep = context.sleep
            uploader.objectHeaders = objectHeaders(for: file)
            let observer = multipartStateDidChange
            uploader.stateDidChange = { state in
                observer(state)
                resumption.confirmed(.s3Multipart(state))
            }
            uploader.keepsServerStateOnCancel = resumption.keepsServerStateOnCancel
            try await uploader.run(resuming: resuming, progress: progress)
        }
        resumption.confirmed(nil)
    }

    private func putObject(_ file: UploadSource, key: String,
                           progress: @escaping @Sendable (Int64) -> Void) async throws {
        var headers = objectHeaders(for: file)
        if context.checksum {
            headers.append(("Content-MD5", try await Digest.md5.hashOffPool(file: file.readPath, length: file.size).base64String))
            headers.append(("x-amz-checksum-sha256",
                            try await Digest.sha256.hashOffPool(file: file.readPath, length: file.size).base64String))
        }
        let body: HTTPRequest.Body = file.size == 0 ? .bytes([]) : .file(path: file.readPath, offset: 0, length: file.size)
        let tracker = PartProgress(report: progress)
        _ = try await client.send("PutObject", method: "PUT", key: key, headers: headers, body: body,
                                  progress: { tracker.sent($0, part: 1, length: file.size) })
        tracker.completed(part: 1, length: file.size)
    }
}
