/// A resumable upload session in the Google Cloud Storage protocol (seed 003), used when
/// the start options say `https.resumable: gcs` or the URL is Cognite's
/// `/v1/files/gcs_proxy/`: the file goes in chunks with `Content-Range`, and after any
/// failure the agent asks the server how much it has (`Content-Range: bytes */<total>` →
/// 308 with `Range`) and continues from there, so a dropped cellular link costs at most
/// the chunk in flight.
///
/// The server's word is checked against what this agent sent: a fresh session starts by
/// sending bytes, and a claim of bytes (or of completion) that neither this run nor an
/// earlier confirmed run (`resumeOffset`) sent is a failure. Otherwise a plain server that
/// answers 201 to anything would turn an upload of nothing into a SUCCESS (and a `delete`).
struct ResumableSession: Sendable {
    /// Chunks other than the last must be multiples of 256 KiB.
    static let granularity: Int64 = 256 * 1024
    static let defaultChunkSize: Int64 = 8 * 1024 * 1024

    let url: String
    let headers: [(name: String, value: String)]
    let chunkSize: Int64
    let maxSendBytesPerSecond: Int64?
    let context: ProviderContext
    /// nil: a fresh session, sending starts at byte 0. Otherwise an earlier run had this
    /// many bytes confirmed (or sent: pass the furthest it knows): the server is asked
    /// first how much it holds.
    let resumeOffset: Int64?
    /// Told each offset the server confirms (a 308's `Range`, or the size on completion),
    /// so a journal can resume from it after a restart.
    let confirmed: @Sendable (Int64) -> Void

    init(url: String, headers: [(name: String, value: String)], chunkSize: Int64, maxSendBytesPerSecond: Int64?,
         context: ProviderContext, resumeOffset: Int64? = nil, confirmed: @escaping @Sendable (Int64) -> Void = { _ in }) {
        self.url = url
        self.headers = headers
        self.chunkSize = chunkSize
        self.maxSendBytesPerSecond = maxSendBytesPerSecond
        self.context = context
        self.resumeOffset = resumeOffset
        self.confirmed = confirmed
    }

    /// Whether the options or the URL ask for a resumable session. Only an explicit
    /// option or Cognite's documented URL marker: `upload_id=` and `uploadType=resumable`
    /// also appear in URLs that take a plain PUT.
    static func isRequested(options: [String: String], url: String) -> Bool {
        switch options["https.resumable"]?.lowercased() {
        case "gcs"?, "true"?: return true
        case "false"?, "none"?: return false
        default: return url.containsBytes("/v1/files/gcs_proxy/")
        }
    }

    /// Rounds a requested chunk size to a positive multiple of 256 KiB.
    static func chunkSize(_ requested: Int64?) -> Int64 {
        guard let requested, requested > 0 else { return defaultChunkSize }
        return max(granularity, requested / granularity * granularity)
    }

    func upload(_ file: UploadSource, progress: @escaping @Sendable (Int64) -> Void) async throws {
        let total = file.size
        /// The end of the furthest chunk this run sent (wholly or in part).
        var attempted: Int64 = 0
        var offset = resumeOffset == nil ? 0 : try await persistedBytes(total: total, attempted: attempted)
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
            attempted = max(attempted, end)
            let outcome: String
            do {
                let response = try await context.directTransport.send(request) { progress(chunkStart + $0) }
                switch response.status {
                case 200, 201:
                    _ = try checkedClaim(total, total: total, attempted: attempted)
                    progress(total)
                    return
                case 308 where Self.persistedEnd(response) > chunkStart:
                    offset = try checkedClaim(Self.persistedEnd(response), total: total, attempted: attempted)
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
            offset = try await persistedBytes(total: total, attempted: attempted)
        }
    }

    /// Asks the server how many bytes it has: 308 with `Range: bytes=0-N` means N+1,
    /// 308 without `Range` means none, 200/201 means all of them; each claim checked.
    func persistedBytes(total: Int64, attempted: Int64) async throws -> Int64 {
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
        case 200, 201: return try checkedClaim(total, total: total, attempted: attempted)
        case 308: return try checkedClaim(Self.persistedEnd(response), total: total, attempted: attempted)
        case 404, 410:
            throw UploadFailure("the resumable upload session is gone (HTTP \(response.status) from \(RedactedURL.describe(url))): ask the backend for a new upload URL")
        default:
            throw UploadFailure(GenericHTTPProvider.describeFailure(response, url: url))
        }
    }

    /// The server's claim to hold `claimed` bytes (`total`: completion), refused when it is
    /// more than the file holds or than was ever sent: by this run (`attempted`), or, for
    /// completion, by the earlier run `resumeOffset` stands for. A resumed session may hold
    /// more than its earlier run saw confirmed (the chunk in flight when it stopped), so a
    /// partial claim there is believed up to the file's size. Told to `confirmed` when taken.
    func checkedClaim(_ claimed: Int64, total: Int64, attempted: Int64) throws(UploadFailure) -> Int64 {
        let persisted = try Self.checkedPersisted(claimed, total: total, url: url)
        let sent = max(attempted, resumeOffset ?? 0)
        let believable = persisted == total ? sent >= total : (resumeOffset != nil || persisted <= attempted)
        guard believable else {
            let what = persisted == total ? "the upload is complete" : "it holds \(persisted) bytes"
            throw UploadFailure("the resumable session at \(RedactedURL.describe(url)) says \(what), but this agent "
                                + "has sent only \(sent) of \(total) bytes: not a session of this upload (is the URL "
                                + "a plain upload URL? then leave 'https.resumable' unset)")
        }
        if persisted > 0 || total == 0 { confirmed(persisted) }
        return persisted
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
