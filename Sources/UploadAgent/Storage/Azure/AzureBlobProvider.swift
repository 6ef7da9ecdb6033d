/// Uploads a file to Azure Blob Storage as a block blob, authorised by a SAS (the `azure`
/// provider of the `start` command). A file up to one block goes in one Put Blob; a
/// larger one in blocks (up to four in flight, each streamed from its file offset) and a
/// Put Block List, so a failed block is sent again alone and the upload can resume.
public struct AzureBlobProvider: StorageProvider {
    public static let descriptor = StorageProviderDescriptor(
        name: "azure", secretOptionKeys: [AzureBlobTarget.signatureKey]) { options in
        options[AzureBlobTarget.signatureKey].flatMap { PresignedURLExpiry.expiry(of: "?" + $0.drop(while: { $0 == "?" })) }
    }
    /// The REST API version every request names (`x-ms-version`).
    static let serviceVersion = "2021-08-06"
    static let defaultBlocksInFlight = 4
    /// Tries of one body that the service found damaged (400 Md5Mismatch).
    static let checksumAttempts = 3

    let target: AzureBlobTarget
    /// `azure.metadata.<name>` and `azure.access.tier`, for the committed blob.
    let blobSettings: AzureBlobSettings
    let context: ProviderContext
    let preferredBlockSize: Int64
    let maxBlocksInFlight: Int
    /// A state saved by an earlier run of the same upload, to skip the blocks Azure holds.
    var resumeState: AzureBlockListState?
    /// The resume state of this upload, updated as blocks are stored.
    public private(set) var blockListStore: AzureBlockListStateStore

    /// Blocks sized to the link (`TransferSizing`): 8 MiB, four in flight, when it is fast
    /// or unlimited; on a slow one about half a second of it each, two in flight.
    public init(options: [String: String], context: ProviderContext) throws {
        let sizing = TransferSizing.choose(rate: context.linkRate, minimum: Self.minimumSizedBlock,
                                           granularity: Self.minimumSizedBlock, preferred: AzureBlockPlan.defaultBlockSize,
                                           maxInFlight: Self.defaultBlocksInFlight)
        try self.init(options: options, context: context, blockSize: sizing.pieceSize, maxBlocksInFlight: sizing.inFlight)
    }

    /// The smallest block sized to a slow link: below it each block's round trip costs more
    /// than what a kill would throw away.
    static let minimumSizedBlock: Int64 = 256 * 1024

    /// `blockSize` and `maxBlocksInFlight` shape the transfer (tests use small blocks);
    /// `resumeFrom` continues an upload an earlier run saved from `blockListStore`.
    init(options: [String: String], context: ProviderContext,
                blockSize: Int64 = AzureBlockPlan.defaultBlockSize,
                maxBlocksInFlight: Int = AzureBlobProvider.defaultBlocksInFlight,
                resumeFrom resumeState: AzureBlockListState? = nil,
                blockListStore: AzureBlockListStateStore = AzureBlockListStateStore()) throws {
        target = try AzureBlobTarget(options: options)
        blobSettings = try AzureBlobSettings(options)
        self.context = context
        preferredBlockSize = max(1, blockSize)
        self.maxBlocksInFlight = max(1, maxBlocksInFlight)
        self.resumeState = resumeState
        self.blockListStore = blockListStore
    }

    public func upload(_ file: UploadSource, resumption: UploadResumption,
                       progress: @escaping @Sendable (Int64) -> Void) async throws {
        var provider = self
        if case .azureBlocks(let state)? = resumption.from { provider.resumeState = state }
        provider.blockListStore = AzureBlockListStateStore { state in
            resumption.confirmed(state.map(ServerProgress.azureBlocks))
        }
        try await provider.upload(file, progress: progress)
    }

    /// Uploads with the resume state and store this provider was made with.
    public func upload(_ file: UploadSource, progress: @escaping @Sendable (Int64) -> Void) async throws {
        try PresignedURLExpiry.check(expiry: target.signature.expiry, now: context.now(), serverClock: context.serverClock)
        let plan: AzureBlockPlan
        if let resumeState, resumeState.fileSize == file.size,
           resumeState.blobURL == target.publicBlobURL(file.baseName) {
            plan = try AzureBlockPlan(fileSize: file.size, preferredBlockSize: resumeState.blockSize)
        } else {
            plan = try AzureBlockPlan(fileSize: file.size, preferredBlockSize: preferredBlockSize)
        }
        if plan.usesSingleRequest {
            try await putBlob(file, progress: progress)
        } else {
            try await putBlocks(file, plan: plan, progress: progress)
        }
    }

    /// Azure's type for a blob of unknown content.
    static let binaryContentType = "application/octet-stream"

    func contentType(of file: UploadSource) -> String {
        context.contentTypes.type(for: file.baseName, binary: Self.binaryContentType)
    }

    // MARK: - Put Blob

    private func putBlob(_ file: UploadSource, progress: @escaping @Sendable (Int64) -> Void) async throws {
        var request = HTTPRequest(method: "PUT", url: target.blobURL(file.baseName),
                                  body: .file(path: file.readPath, offset: 0, length: file.size))
        request.setHeader("x-ms-version", Self.serviceVersion)
        request.setHeader("x-ms-blob-type", "BlockBlob")
        request.setHeader("Content-Type", contentType(of: file))
        for (name, value) in blobSettings.headers { request.setHeader(name, value) }
        if context.checksum {
            let md5 = try await Digest.md5.hashOffPool(file: file.readPath, offset: 0, length: file.size).base64String
            request.setHeader("Content-MD5", md5)
            request.setHeader("x-ms-blob-content-md5", md5)
        }
        let tracker = PartProgress(report: progress)
        _ = try await sendRetryingDamagedBodies(request, operation: "Put Blob", blobName: file.baseName) { sent in
            tracker.sent(sent, part: 0, length: file.size)
        }
        tracker.completed(part: 0, length: file.size)
    }

    // MARK: - Put Block / Put Block List

    private func putBlocks(_ file: UploadSource, plan: AzureBlockPlan,
                           progress: @escaping @Sendable (Int64) -> Void) async throws {
        let publicURL = target.publicBlobURL(file.baseName)
        let alreadyStored = try await blocksAlreadyStored(file, plan: plan)
        blockListStore.begin(blobURL: publicURL, plan: plan, storedIndexes: alreadyStored)
        let doneBytes = alreadyStored.reduce(Int64(0)) { $0 + plan.length(ofBlock: $1) }
        let tracker = PartProgress(alreadyDone: doneBytes, report: progress)
        let missing = (0..<plan.blockCount).filter { !alreadyStored.contains($0) }

        // The whole file's MD5 (for the commit) is read beside the blocks, never before them.
        async let fileMD5: [UInt8]? = context.checksum ? Digest.md5.hashOffPool(file: file.readPath, length: file.size) : nil

        try await withThrowingTaskGroup(of: Void.self) { group in
            var pending = missing.makeIterator()
            for _ in 0..<maxBlocksInFlight {
                guard let index = pending.next() else { break }
                group.addTask { try await self.putBlock(index, of: file, plan: plan, tracker: tracker) }
            }
            while try await group.next() != nil {
                if let index = pending.next() {
                    group.addTask { try await self.putBlock(index, of: file, plan: plan, tracker: tracker) }
                }
            }
        }

        let md5 = try await fileMD5
        try await commit(file, plan: plan, fileMD5: md5)
        blockListStore.clear()
    }

    private func putBlock(_ index: Int, of file: UploadSource, plan: AzureBlockPlan,
                          tracker: PartProgress) async throws {
        let offset = plan.offset(ofBlock: index)
        let length = plan.length(ofBlock: index)
        let url = target.blobURL(file.baseName, operation: [("comp", "block"), ("blockid", plan.blockID(index))])
        var request = HTTPRequest(method: "PUT", url: url, body: .file(path: file.readPath, offset: offset, length: length))
        request.setHeader("x-ms-version", Self.serviceVersion)
        request.setHeader("Content-Type", "application/octet-stream")
        if context.checksum {
            request.setHeader("Content-MD5", try await Digest.md5.hashOffPool(file: file.readPath, offset: offset, length: length).base64String)
        }
        let operation = "Put Block \(index + 1) of \(plan.blockCount)"
        _ = try await sendRetryingDamagedBodies(request, operation: operation, blobName: file.baseName) { sent in
            tracker.sent(sent, part: index, length: length)
        }
        blockListStore.stored(blockIndex: index)
        tracker.completed(part: index, length: length)
    }

    private func commit(_ file: UploadSource, plan: AzureBlockPlan, fileMD5: [UInt8]?) async throws {
        let body = AzureBlockListXML.commitBody(blockIDs: (0..<plan.blockCount).map(plan.blockID))
        var request = HTTPRequest(method: "PUT", url: target.blobURL(file.baseName, operation: [("comp", "blocklist")]),
                                  body: .bytes(body))
        request.setHeader("x-ms-version", Self.serviceVersion)
        request.setHeader("Content-Type", "application/xml")
        request.setHeader("x-ms-blob-content-type", contentType(of: file))
        for (name, value) in blobSettings.headers { request.setHeader(name, value) }
        if let fileMD5 {
            request.setHeader("Content-MD5", Digest.md5.hash(body).base64String)
            request.setHeader("x-ms-blob-content-md5", fileMD5.base64String)
        }
        _ = try await sendRetryingDamagedBodies(request, operation: "Put Block List", blobName: file.baseName) { _ in }
    }

    /// With a matching resume state: the blocks Azure still holds uncommitted, of the right
    /// size. Any doubt (no state, the list cannot be read) means starting from block one.
    /// A blob Azure does not know (404) starts over; any other refusal ends this attempt
    /// (a 403 asks the backend for a new SAS), so the recorded blocks are never forgotten
    /// because one question went unanswered.
    private func blocksAlreadyStored(_ file: UploadSource, plan: AzureBlockPlan) async throws -> Set<Int> {
        guard let resumeState, resumeState.blockSize == plan.blockSize, resumeState.fileSize == file.size,
              resumeState.blobURL == target.publicBlobURL(file.baseName), !resumeState.blockIDs.isEmpty else { return [] }
        var request = HTTPRequest(method: "GET", url: target.blobURL(file.baseName, operation: [
            ("comp", "blocklist"), ("blocklisttype", "uncommitted"),
        ]))
        request.setHeader("x-ms-version", Self.serviceVersion)
        let response = try await send(request, operation: "Get Block List", blobName: file.baseName, progress: { _ in })
        if response.status == 404 { return [] }
        guard response.isSuccess else {
            throw failure("Get Block List failed: \(AzureStorageError(response: response))", blobName: file.baseName,
                          credentialsRefused: UploadFailure.refusesCredentials(response.status))
        }
        let listed = AzureBlockListXML.parseBlockList(response.bodyText).uncommitted
        let sizes = Dictionary(listed.map { ($0.id, $0.size) }, uniquingKeysWith: { last, _ in last })
        let saved = Set(resumeState.blockIDs)
        return Set((0..<plan.blockCount).filter { index in
            let id = plan.blockID(index)
            return saved.contains(id) && sizes[id] == plan.length(ofBlock: index)
        })
    }

    // MARK: - Sending

    /// Sends `request`; a 400 Md5Mismatch (the body was damaged on the way) is sent again a
    /// few times. Any other error status ends the upload with Azure's code and message.
    private func sendRetryingDamagedBodies(_ request: HTTPRequest, operation: String, blobName: String,
                                           progress: @escaping @Sendable (Int64) -> Void) async throws -> HTTPResponse {
        var attempt = 1
        while true {
            let response = try await send(request, operation: operation, blobName: blobName, progress: progress)
            if response.isSuccess { return response }
            let error = AzureStorageError(response: response)
            if error.isChecksumMismatch && attempt < Self.checksumAttempts {
                attempt += 1
                continue
            }
            throw failure("\(operation) failed: \(error)", blobName: blobName,
                          credentialsRefused: UploadFailure.refusesCredentials(response.status))
        }
    }

    private func send(_ request: HTTPRequest, operation: String, blobName: String,
                      progress: @escaping @Sendable (Int64) -> Void) async throws -> HTTPResponse {
        do {
            return try await context.transport.send(request, progress: progress)
        } catch let error as TransferError where error.kind == .cancelled {
            throw error
        } catch let error as TransferError {
            throw failure("\(operation) failed: \(error.message)", blobName: blobName)
        }
    }

    /// An `UploadFailure` naming the blob (without SAS), with every trace of the SAS removed.
    private func failure(_ text: String, blobName: String, credentialsRefused: Bool = false) -> UploadFailure {
        UploadFailure(target.signature.redact("Azure Blob upload to \(target.publicBlobURL(blobName)): \(text)"),
                      credentialsRefused: credentialsRefused)
    }
}
