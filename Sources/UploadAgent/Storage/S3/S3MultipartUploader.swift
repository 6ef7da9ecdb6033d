/// One multipart upload of a large file: CreateMultipartUpload, UploadPart with a few parts
/// in flight (each a range of the file streamed from disk), CompleteMultipartUpload with
/// the ETags in part order. Whatever ends it early (an error, a cancelled task) sends
/// AbortMultipartUpload, so S3 keeps no orphaned parts that would be billed forever.
struct S3MultipartUploader: Sendable {
    static let defaultPartsInFlight = 4

    let client: S3Client
    let bucket: String
    let key: String
    let file: UploadSource
    let plan: S3PartPlan
    let checksum: Bool
    var partsInFlight = defaultPartsInFlight
    /// Content type and object settings, sent with CreateMultipartUpload (S3 stores them then).
    var objectHeaders: [(name: String, value: String)] = [("Content-Type", S3StorageProvider.binaryContentType)]
    /// Called after every change of the state (created, part stored); not after the end.
    var stateDidChange: @Sendable (S3MultipartState) -> Void = { _ in }
    /// True while the agent suspends (SIGTERM): a cancellation then keeps the multipart
    /// upload on S3 for the next run instead of aborting it.
    var keepsServerStateOnCancel: @Sendable () -> Bool = { false }
    /// Waits between abort attempts (the provider context's clock).
    var sleep: @Sendable (Double) async throws -> Void = { try await SystemClock().sleep(for: $0) }

    /// Uploads the file; with `resuming`, skips CreateMultipartUpload and the parts it
    /// records as done (the caller has checked them against ListParts).
    func run(resuming: S3MultipartState? = nil, progress: @escaping @Sendable (Int64) -> Void) async throws {
        let initial: S3MultipartState
        if let resuming {
            guard resuming.bucket == bucket, resuming.key == key, resuming.fileSize == file.size,
                  resuming.partSize == plan.partSize else {
                throw UploadFailure("cannot resume S3 upload \(resuming.uploadId): it was for another object or file size")
            }
            initial = resuming
        } else {
            initial = try await create()
        }
        stateDidChange(initial)
        do {
            let finished = try await uploadParts(from: initial, progress: progress)
            try await complete(finished)
        } catch {
            if keepsServerStateOnCancel() && Self.isCancellation(error) { throw error }
            throw await abort(initial.uploadId, after: error)
        }
    }

    static func isCancellation(_ error: any Error) -> Bool {
        UploadError(classifying: error) == .cancelled
    }

    /// `recorded` as S3 still holds it, asked with ListParts: the parts listed with the
    /// planned size, under the recorded ETag when there is one (a part stored just before
    /// a crash is kept too). Nil when the upload is gone (404) or was for another object.
    /// Throws when S3 cannot tell (credentials refused, an error status, no network):
    /// starting over then would leave the recorded upload on S3, never aborted.
    func verified(_ recorded: S3MultipartState) async throws -> S3MultipartState? {
        guard recorded.bucket == bucket, recorded.key == key, recorded.fileSize == file.size,
              recorded.partSize == plan.partSize else { return nil }
        var listed: [Int: S3ListedPart] = [:]
        var marker: String?
        repeat {
            var query: [(name: String, value: String?)] = [("uploadId", recorded.uploadId)]
            if let marker { query.append(("part-number-marker", marker)) }
            let response = try await client.response("ListParts", method: "GET", key: key, query: query)
            if response.status == 404 { return nil }
            guard response.isSuccess else {
                throw UploadFailure(client.describe(response, operation: "ListParts"),
                                    credentialsRefused: UploadFailure.refusesCredentials(response.status))
            }
            for part in S3ListedPart.parse(response.bodyText) { listed[part.number] = part }
            let truncated = XMLText.firstElement("IsTruncated", in: response.bodyText) == "true"
            let next = XMLText.firstElement("NextPartNumberMarker", in: response.bodyText)
            marker = truncated && next != marker ? next : nil
        } while marker != nil
        var verified = recorded
        verified.completedParts = [:]
        verified.partChecksums = [:]
        for (number, part) in listed where (1...plan.partCount).contains(number)
            && part.size == plan.range(ofPart: number).length {
            if let etag = recorded.completedParts[number], S3ListedPart.sameETag(etag, part.etag) == false { continue }
            let partChecksum = recorded.partChecksums[number] ?? part.checksumSHA256
            if checksum && partChecksum == nil { continue }
            verified.completedParts[number] = part.etag
            if let partChecksum { verified.partChecksums[number] = partChecksum }
        }
        return verified
    }

    /// Whether `recorded` was completed before the agent could journal it (a crash between
    /// CompleteMultipartUpload and its answer): S3 no longer lists the upload, but the
    /// object has the file's size and the ETag S3 derives from exactly the recorded parts.
    func completedEarlier(_ recorded: S3MultipartState) async -> Bool {
        guard recorded.bucket == bucket, recorded.key == key, recorded.fileSize == file.size,
              recorded.partSize == plan.partSize, recorded.completedParts.count == plan.partCount,
              let expected = S3MultipartETag.of(partETags: (1...plan.partCount).compactMap { recorded.completedParts[$0] })
        else { return false }
        guard let head = try? await client.response("HeadObject", method: "HEAD", key: key), head.isSuccess,
              let etag = head.header("etag"), head.header("content-length").flatMap(Int64.init) == file.size
        else { return false }
        return S3ListedPart.sameETag(etag, expected)
    }

    private func create() async throws -> S3MultipartState {
        var headers = objectHeaders
        if checksum { headers.append(("x-amz-checksum-algorithm", "SHA256")) }
        let response = try await client.send("CreateMultipartUpload", method: "POST", key: key,
                                             query: [("uploads", nil)], headers: headers)
        guard let uploadId = XMLText.firstElement("UploadId", in: response.bodyText), !uploadId.isEmpty else {
            throw UploadFailure("S3 CreateMultipartUpload failed: the reply has no UploadId")
        }
        return S3MultipartState(uploadId: uploadId, bucket: bucket, key: key, fileSize: file.size,
                                partSize: plan.partSize)
    }

    private func uploadParts(from initial: S3MultipartState,
                             progress: @escaping @Sendable (Int64) -> Void) async throws -> S3MultipartState {
        let done = initial.completedParts.keys.reduce(Int64(0)) { $0 + plan.range(ofPart: $1).length }
        let tracker = PartProgress(alreadyDone: done, report: progress)
        let recorder = S3MultipartStateRecorder(initial, didChange: stateDidChange)
        var remaining = (1...plan.partCount).filter { initial.completedParts[$0] == nil }.makeIterator()
        try await withThrowingTaskGroup(of: Void.self) { group in
            func startNext() -> Bool {
                guard let number = remaining.next() else { return false }
                group.addTask {
                    let (etag, sha256) = try await uploadPart(number, uploadId: initial.uploadId, tracker: tracker)
                    recorder.partCompleted(number, etag: etag, checksum: sha256)
                }
                return true
            }
            for _ in 0..<max(1, partsInFlight) where !startNext() { break }
            while try await group.next() != nil {
                try Task.checkCancellation()
                _ = startNext()
            }
        }
        try Task.checkCancellation()
        return recorder.current
    }

    private func uploadPart(_ number: Int, uploadId: String,
                            tracker: PartProgress) async throws -> (etag: String, sha256: String?) {
        let (offset, length) = plan.range(ofPart: number)
        var headers: [(name: String, value: String)] = []
        var sha256: String?
        if checksum {
            headers.append(("Content-MD5", try await Digest.md5.hashOffPool(file: file.readPath, offset: offset, length: length).base64String))
            sha256 = try await Digest.sha256.hashOffPool(file: file.readPath, offset: offset, length: length).base64String
            headers.append(("x-amz-checksum-sha256", sha256!))
        }
        let operation = "UploadPart \(number)/\(plan.partCount)"
        let response = try await client.send(
            operation, method: "PUT", key: key,
            query: [("partNumber", String(number)), ("uploadId", uploadId)],
            headers: headers, body: .file(path: file.readPath, offset: offset, length: length),
            progress: { tracker.sent($0, part: number, length: length) })
        guard let etag = response.header("etag"), !etag.isEmpty else {
            throw UploadFailure("S3 \(operation) failed: the reply has no ETag")
        }
        tracker.completed(part: number, length: length)
        return (etag, sha256)
    }

    private func complete(_ state: S3MultipartState) async throws {
        let body = Array(S3XML.completeMultipartUpload(state).utf8)
        let response = try await client.send("CompleteMultipartUpload", method: "POST", key: key,
                                             query: [("uploadId", state.uploadId)],
                                             headers: [("Content-Type", "application/xml")], body: .bytes(body))
        // S3 may answer 200 and still fail: the error is then in the body.
        if S3ErrorResponse.isErrorDocument(response) {
            throw UploadFailure(S3ErrorResponse(response).describe(operation: "CompleteMultipartUpload",
                                                                   scrubbing: client.signer.credentials.secrets))
        }
    }

    /// Sends AbortMultipartUpload and returns the error to throw. Runs in a task of its
    /// own, since the current one may be cancelled, which would stop the abort at once.
    private func abort(_ uploadId: String, after error: any Error) async -> any Error {
        let uploader = self
        let outcome: String? = await Task { await uploader.abortUntilGone(uploadId) }.value
        guard let outcome else { return error }
        let consequence = "\(outcome); its parts stay until a bucket lifecycle rule removes them"
        if let failure = error as? UploadFailure {
            return UploadFailure("\(failure.message) (and \(consequence))")
        }
        if let transfer = error as? TransferError, transfer.kind == .cancelled {
            return TransferError(.cancelled, "\(transfer.message) (and \(consequence))")
        }
        return error
    }

    /// Aborts until ListParts says the upload is gone. S3 documents that a part still
    /// arriving while the abort runs may be stored anyway, so one abort is not always
    /// enough; moto even answers 500 in that race. Returns nil when gone, else why not.
    func abortUntilGone(_ uploadId: String, attempts: Int = 4) async -> String? {
        let query: [(name: String, value: String?)] = [("uploadId", uploadId)]
        var lastProblem = "S3 AbortMultipartUpload failed"
        for attempt in 1...attempts {
            if attempt > 1 { try? await sleep(0.25 * Double(attempt - 1)) }
            do {
                let abort = try await client.response("AbortMultipartUpload", method: "DELETE", key: key, query: query)
                guard abort.isSuccess || abort.status == 404 else {
                    lastProblem = client.describe(abort, operation: "AbortMultipartUpload")
                    continue
                }
                let check = try await client.response("ListParts", method: "GET", key: key, query: query)
                if check.status == 404 { return nil }
                lastProblem = check.isSuccess ? "S3 AbortMultipartUpload left parts behind"
                    : client.describe(check, operation: "ListParts")
            } catch {
                lastProblem = (error as? UploadFailure)?.message ?? String(describing: error)
            }
        }
        return lastProblem
    }
}
