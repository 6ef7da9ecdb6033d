import Synchronization
import Testing
@testable import UploadAgent

/// The GCS resumable session believes the server only for bytes this agent sent.
@Suite struct ResumableSessionTests {
    static let chunk: Int64 = 256 * 1024
    static let file = UploadSource(path: "/data/big.bin", size: 4 * chunk)

    /// Answers each request with `reply` and records it.
    final class ReplyingTransport: HTTPTransport {
        let sent = Mutex<[HTTPRequest]>([])
        let reply: @Sendable (HTTPRequest) -> HTTPResponse
        init(_ reply: @escaping @Sendable (HTTPRequest) -> HTTPResponse) { self.reply = reply }
        func send(_ request: HTTPRequest, progress: @escaping @Sendable (Int64) -> Void) async throws -> HTTPResponse {
            sent.withLock { $0.append(request) }
            return reply(request)
        }
        var ranges: [String] { sent.withLock { $0.map { $0.header("Content-Range") ?? "" } } }
    }

    /// A GCS-like server: 308 with the range up to each chunk's end, 200 on the last.
    static func honest(_ request: HTTPRequest) -> HTTPResponse {
        let range = request.header("Content-Range") ?? ""
        guard let dash = range.firstIndex(of: "-"), let slash = range.firstIndex(of: "/"),
              let last = Int64(range[range.index(after: dash)..<slash]) else {
            return HTTPResponse(status: 308, headers: ["range": "bytes=0-\(2 * chunk - 1)"])  // a probe
        }
        return last + 1 == file.size ? HTTPResponse(status: 200) : HTTPResponse(status: 308, headers: ["range": "bytes=0-\(last)"])
    }

    func session(_ transport: ReplyingTransport, resumeOffset: Int64? = nil,
                 confirmed: @escaping @Sendable (Int64) -> Void = { _ in }) -> ResumableSession {
        let context = ProviderContext(transport: transport, checksum: false, deviceId: "a:b", now: { 0 },
                                      retryPolicy: RetryPolicy(maxAttempts: 2), sleep: { _ in })
        return ResumableSession(url: "http://h/session", headers: [], chunkSize: Self.chunk, maxSendBytesPerSecond: nil,
                                context: context, resumeOffset: resumeOffset, confirmed: confirmed)
    }

    @Test func freshSessionStartsWithDataAndReportsEachConfirmedOffset() async throws {
        let transport = ReplyingTransport(Self.honest)
        let offsets = Mutex<[Int64]>([])
        try await session(transport, confirmed: { offset in offsets.withLock { $0.append(offset) } }).upload(Self.file) { _ in }
        #expect(transport.ranges == (Int64(0)..<4).map { "bytes \($0 * Self.chunk)-\(($0 + 1) * Self.chunk - 1)/\(Self.file.size)" })
        #expect(offsets.withLock { $0 } == [Int64(1), 2, 3, 4].map { $0 * Self.chunk })
    }

    @Test func completionBeforeTheLastChunkIsAFailure() async {
        let transport = ReplyingTransport { _ in HTTPResponse(status: 201) }
        await #expect(throws: UploadFailure.self) { try await session(transport).upload(Self.file) { _ in } }
        #expect(transport.ranges.first == "bytes 0-\(Self.chunk - 1)/\(Self.file.size)")
    }

    @Test func completionClaimedByAProbeAfterAFailedChunkIsAFailure() async {
        let calls = Atomic<Int>(0)
        let transport = ReplyingTransport { _ in
            calls.add(1, ordering: .relaxed).newValue == 1 ? HTTPResponse(status: 503) : HTTPResponse(status: 201)
        }
        await #expect(throws: UploadFailure.self) { try await session(transport).upload(Self.file) { _ in } }
        #expect(transport.ranges == ["bytes 0-\(Self.chunk - 1)/\(Self.file.size)", "bytes */\(Self.file.size)"])
    }

    @Test func aFreshSessionClaimingMoreThanWasSentIsAFailure() async {
        let transport = ReplyingTransport { _ in HTTPResponse(status: 308, headers: ["range": "bytes=0-\(3 * Self.chunk - 1)"]) }
        await #expect(throws: UploadFailure.self) { try await session(transport).upload(Self.file) { _ in } }
    }

    @Test func resumedSessionAsksFirstAndContinuesWhereTheServerIs() async throws {
        let transport = ReplyingTransport(Self.honest)
        let offsets = Mutex<[Int64]>([])
        try await session(transport, resumeOffset: Self.chunk, confirmed: { offset in offsets.withLock { $0.append(offset) } })
            .upload(Self.file) { _ in }
        // The earlier run saw one chunk confirmed; the server holds two (the one in flight).
        #expect(transport.ranges == ["bytes */\(Self.file.size)", "bytes \(2 * Self.chunk)-\(3 * Self.chunk - 1)/\(Self.file.size)",
                                     "bytes \(3 * Self.chunk)-\(4 * Self.chunk - 1)/\(Self.file.size)"])
        #expect(offsets.withLock { $0 } == [Int64(2), 3, 4].map { $0 * Self.chunk })
    }

    @Test func resumedCompletionIsBelievedOnlyWhenTheEarlierRunSentEverything() async throws {
        let complete = ReplyingTransport { _ in HTTPResponse(status: 200) }
        await #expect(throws: UploadFailure.self) {
            try await session(complete, resumeOffset: Self.chunk).upload(Self.file) { _ in }
        }
        try await session(complete, resumeOffset: Self.file.size).upload(Self.file) { _ in }
    }

    @Test func onlyTheOptionOrTheGCSProxyMarkerMakeASession() {
        #expect(!ResumableSession.isRequested(options: [:], url: "http://h/put?upload_id=1&uploadType=resumable"))
        #expect(ResumableSession.isRequested(options: [:], url: "http://h/v1/files/gcs_proxy/abc"))
        #expect(ResumableSession.isRequested(options: ["https.resumable": "gcs"], url: "http://h/put"))
        #expect(ResumableSession.isRequested(options: ["https.resumable": "true"], url: "http://h/put"))
        #expect(!ResumableSession.isRequested(options: ["https.resumable": "false"], url: "http://h/v1/files/gcs_proxy/abc"))
    }
}
