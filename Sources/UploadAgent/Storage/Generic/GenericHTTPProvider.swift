/// Uploads to a URL the backend pre-signed (`storage.provider: generic`): one PUT or POST
/// of the whole file, streamed from disk, with the backend's headers. Kanto's generic
/// uploader; ours also checks the URL's expiry first and can send
/// `Content-Disposition` for endpoints that require it (seed 000).
public struct GenericHTTPProvider: StorageProvider {
    public static let descriptor = StorageProviderDescriptor(name: "generic") { options in
        options["https.url"].flatMap(PresignedURLExpiry.expiry(of:))
    }

    let url: String
    let method: String
    let headers: [(name: String, value: String)]
    let contentDisposition: Bool
    /// `https.content.type`: the type the backend chose; nil for the `contentType` config's.
    let contentType: String?
    let maxBandwidth: Int64?
    /// Set when the upload goes as a resumable session in chunks of this size.
    let resumableChunkSize: Int64?
    let context: ProviderContext

    public init(options: [String: String], context: ProviderContext) throws {
        url = try options.required("https.url")
        let scheme = url.prefix(while: { $0 != ":" }).lowercased()
        guard url.containsBytes("://"), scheme == "http" || scheme == "https" else {
            throw InvalidStartOptions("'https.url' must be an http or https URL, not '\(scheme):'")
        }
        method = (options["https.method"] ?? "PUT").uppercased()
        guard method == "PUT" || method == "POST" else {
            throw InvalidStartOptions("'https.method' must be PUT or POST, not '\(method)'")
        }
        headers = options.compactMap { key, value in
            key.hasPrefix("https.header.") ? (String(key.dropFirst("https.header.".count)), value) : nil
        }.sorted { $0.name < $1.name }
        for (name, value) in headers {
            if let problem = HTTPHeaderField.problem(name: name, value: value) {
                throw InvalidStartOptions("option 'https.header.\(HTTPHeaderField.printable(name))': \(problem)")
            }
        }
        contentDisposition = options["https.content.disposition"]?.lowercased() == "true"
        contentType = options["https.content.type"].flatMap { $0.isEmpty ? nil : $0 }
        if let contentType, let problem = HTTPHeaderField.problem(name: "Content-Type", value: contentType) {
            throw InvalidStartOptions("option 'https.content.type': \(problem)")
        }
        if let text = options["https.max.bandwidth"], !text.isEmpty {
            guard let limit = ByteRate.parse(text) else {
                throw InvalidStartOptions("'https.max.bandwidth' must be a rate such as \"2MB\", not '\(text)'")
            }
            maxBandwidth = limit
        } else {
            maxBandwidth = nil
        }
        if ResumableSession.isRequested(options: options, url: url) {
            let requested = options["https.chunk.size"].flatMap { $0.isEmpty ? nil : $0 }
            guard requested == nil || ByteRate.parse(requested!) != nil else {
                throw InvalidStartOptions("'https.chunk.size' must be a size such as \"8MiB\", not '\(requested!)'")
            }
            if let requested = requested.flatMap(ByteRate.parse) {
                resumableChunkSize = ResumableSession.chunkSize(requested)
            } else {
                // Sized to the link: a chunk in flight is what a kill throws away.
                let rate = [maxBandwidth, context.linkRate].compactMap { $0 }.min()
                resumableChunkSize = TransferSizing.choose(rate: rate, minimum: ResumableSession.granularity,
                                                           granularity: ResumableSession.granularity,
                                                           preferred: ResumableSession.defaultChunkSize, maxInFlight: 1).pieceSize
            }
        } else {
            resumableChunkSize = nil
        }
        self.context = context
    }

    public func upload(_ file: UploadSource, resumption: UploadResumption,
                       progress: @escaping @Sendable (Int64) -> Void) async throws {
        try PresignedURLExpiry.check(url, now: context.now(), serverClock: context.serverClock)
        if let chunkSize = resumableChunkSize {
            var resumeOffset: Int64?
            if case .resumableSession(let confirmed)? = resumption.from { resumeOffset = confirmed }
            let session = ResumableSession(url: url, headers: requestHeaders(for: file), chunkSize: chunkSize,
                                           maxSendBytesPerSecond: maxBandwidth, context: context,
                                           resumeOffset: resumeOffset,
                                           confirmed: { resumption.confirmed(.resumableSession(confirmedBytes: $0)) })
            try await session.upload(file, progress: progress)
            return
        }
        var request = HTTPRequest(method: method, url: url,
                                  body: .file(path: file.readPath, offset: 0, length: file.size),
                                  maxSendBytesPerSecond: maxBandwidth)
        if context.checksum {
            request.setHeader("Content-MD5", try await Digest.md5.hashOffPool(file: file.readPath, length: file.size).base64String)
        }
        for (name, value) in requestHeaders(for: file) { request.setHeader(name, value) }
        let response: HTTPResponse
        do {
            response = try await context.transport.send(request, progress: progress)
        } catch let error as TransferError where error.kind != .cancelled {
            throw UploadFailure("upload of \(file.path) to \(RedactedURL.describe(url)) failed: \(error.message)")
        }
        guard response.isSuccess else {
            throw UploadFailure(Self.describeFailure(response, url: url),
                                credentialsRefused: UploadFailure.refusesCredentials(response.status))
        }
        progress(file.size)
    }

    /// Kanto's content type of generic uploads: a URL pre-signed for Kanto may sign it.
    static let defaultContentType = "application/x-binary"

    /// The headers every request of this upload carries: ours first (the content type:
    /// `https.content.type`, else by `contentType`, Kanto's by default; the optional
    /// disposition), then the backend's `https.header.*`, which may override
    /// anything, whatever its letter case.
    func requestHeaders(for file: UploadSource) -> [(name: String, value: String)] {
        let disposition = contentDisposition ? [("Content-Disposition", ContentDisposition.attachment(filename: file.baseName))] : []
        let overridden = Set(headers.map { $0.name.lowercased() })
        let type = contentType ?? context.contentTypes.type(for: file.baseName, binary: Self.defaultContentType)
        let ours = [("Content-Type", type)] + disposition
        return ours.filter { !overridden.contains($0.0.lowercased()) } + headers
    }

    /// "HTTP 403 from https://host/path: <start of the body>": what a person needs to act.
    static func describeFailure(_ response: HTTPResponse, url: String) -> String {
        let body = response.bodyText.trimmingCharacters(in: " \r\n\t")
        let excerpt = BoundedText.cut(body, to: 200)
        return "HTTP \(response.status) from \(RedactedURL.describe(url))" + (excerpt.isEmpty ? "" : ": \(excerpt)")
    }
}
