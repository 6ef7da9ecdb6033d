/// A resumable upload session in the Google Cloud Storage protocol (seed 003: URLs with
/// `/v1/files/gcs_proxy/`, `upload_id=` or `uploadType=resumable`): the file goes in
/// chunks with `Content-Range`, and after any failure the agent asks the server how much
/// it has (`Content-Range: bytes */<total>` → 308 with `Range`) and continues from
/// there, so a dropped cellular link costs at most the chunk in flight.
struct ResumableSession: Sendable {
    /// Chunks other than the last must be multiples of 256 KiB.
    static let granularity: Int64 = 256 * 1024
    static let defaultChunkSize: Int64 = 8 * 1024 * 1024

    let url: String
    let headers: [(name: String, value: String)]
    let chunkSize: Int64
    let maxSendBytesPerSecond: Int64?
    let context: ProviderContext

    /// Whether the options or the URL ask for a resumable session.
    static func isRequested(options: [String: String], url: String) -> Bool {
        switch options["https.resumable"]?.lowercased() {
        case "gcs"?, "true"?: return true
        case "false"?, "none"?: return false
        default:
            return url.contains("/v1/files/gcs_proxy/") || url.contains("upload_id=") || url.contains("uploadType=resumable")
        }
    }

    /// Rounds a requested chunk size to a positive multiple of 256 KiB.
    static func chunkSize(_ requested: Int64?) -> Int64 {
        guard let requested, requested > 0 else { return defaultChunkSize }
        return max(granularity, requested / granularity * granularity)
    }

    func upload(_ file: UploadSource, progress: @escaping @Sendable (Int64) -> Void) async throws {
        let total = file.size
        var offset = try await persistedBytes(total: total)
        var failures = 0
        while true {
            if offset >= total && total > 0 {
                progress(total)
                return
            }
            let end = min(offset + chunkSize, total)
            var request = HTTPRequest(method: "PUT", url: url,
                                      body: total == 0 ? .none : .file(path: file.readPath, offset: offset, length: end - offset),
                                      maxSendBytesPerSecond: maxSendBytesPerSecond)
            for (name, value) in headers { request.setHeader(name, value) }
            request.setHeader("Content-Range", total == 0 ? "bytes */0" : "bytes \(offset)-\(end - 1)/\(total)")
            let chunkStart = offset
            let outcome: String
            do {
                let response = try await context.directTransport.send(request) { progress(chunkStart + $0) }
                switch response.status {
                case 200, 201:
                    progress(total)
                    return
                case 308 where Self.persistedEnd(response) > chunkStart:
                    offset = try Self.checkedPersisted(Self.persistedEnd(response), total: total, url: url)
                    failures = 0
                    continue
                case 308:
                    outcome = "the server kept nothing of the chunk at \(chunkStart)"
                case 404, 410:
                    throw UploadFailure("the resumable upload session is gone (HTTP \(response.status) from \(RedactedURL.describe(url))): ask the backend for a new upload URL")
                case 408, 429, 500...599:
                    outcome = "HTTP \(response.status)"
                default:
                    throw UploadFailure(GenericHTTPProvider.describeFailure(response, url: url))
                }
            } catch let error as TransferError where error.kind == .network || error.kind == .timeout {
                outcome = error.message
            }
            failures += 1
            guard failures < context.retryPolicy.maxAttempts else {
                throw UploadFailure("upload of \(file.path) to \(RedactedURL.describe(url)) failed after \(failures) attempts: \(outcome)")
            }
            try await context.sleep(context.retryPolicy.delay(afterAttempt: failures))
            context.onRetry(failures + 1, outcome)
            offset = try await persistedBytes(total: total)
        }
    }

    /// Asks the server how many bytes it has: 308 with `Range: bytes=0-N` means N+1,
    /// 308 without `Range` means none, 200/201 means all of them.
    func persistedBytes(total: Int64) async throws -> Int64 {
        var request = HTTPRequest(method: "PUT", url: url, body: .none)
        for (name, value) in headers where name.lowercased() != "content-type" { request.setHeader(name, value) }
        request.setHeader("Content-Range", "bytes */\(total)")
        let response: HTTPResponse
        do {
            response = try await context.transport.send(request) { _ in }
        } catch let error as TransferError {
            throw UploadFailure("cannot ask \(RedactedURL.describe(url)) how much of the upload it has: \(error.message)")
        }
        switch response.status {
        case 200, 201: return total
        case 308: return try Self.checkedPersisted(Self.persistedEnd(response), total: total, url: url)
        case 404, 410:
            throw UploadFailure("the resumable upload session is gone (HTTP \(response.status) from \(RedactedURL.describe(url))): ask the backend for a new upload URL")
        default:
            throw UploadFailure(GenericHTTPProvider.describeFailure(response, url: url))
        }
    }

    /// The first byte the server does not have, from a 308's `Range: bytes=0-N`.
    static func persistedEnd(_ response: HTTPResponse) -> Int64 {
        guard let range = response.header("range"), let dash = range.lastIndex(of: "-"),
              let last = Int64(range[range.index(after: dash)...].trimmingCharacters(in: " ")),
              last >= 0, last < Int64.max else { return 0 }
        return last + 1
    }

    /// The server's claim, refused when it says it has more than the file holds: that is
    /// a broken or foreign session, and taking it at its word would report a success
    /// (and delete the file) without sending a byte.
    static func checkedPersisted(_ persisted: Int64, total: Int64, url: String) throws(UploadFailure) -> Int64 {
        guard persisted <= total else {
            throw UploadFailure("the resumable session at \(RedactedURL.describe(url)) claims \(persisted) bytes of a \(total)-byte file")
        }
        return persisted
    }
}
