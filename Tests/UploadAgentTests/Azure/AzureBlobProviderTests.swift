import Synchronization
import Testing
@testable import UploadAgent

@Suite struct AzureBlobProviderTests {
    static let signature = "c2VjcmV0LXNpZ25hdHVyZQ%3D%3D"
    static let options = [
        "azure.storage.endpoint": "http://127.0.0.1:1/acct/",
        "azure.shared.access.signature": "?sv=2021-08-06&se=2030-01-01T00%3A00%3A00Z&sp=rw&sig=\(signature)",
        "azure.blob.container": "uploads",
    ]
    static let now: @Sendable () -> Double = { 1_704_067_200 }  // 2024-01-01

    static func provider(_ transport: AzureRecordingTransport, checksum: Bool = false, blockSize: Int64 = 1000,
                         options: [String: String] = options, resumeFrom: AzureBlockListState? = nil,
                         store: AzureBlockListStateStore = AzureBlockListStateStore()) throws -> AzureBlobProvider {
        try AzureBlobProvider(options: options,
                              context: ProviderContext(transport: transport, checksum: checksum, deviceId: "ns:dev", now: now),
                              blockSize: blockSize, resumeFrom: resumeFrom, blockListStore: store)
    }

    static func failure(of operation: () async throws -> Void) async -> String? {
        do {
            try await operation()
            return nil
        } catch let failure as UploadFailure {
            return failure.message
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func smallFileGoesInOnePutBlobStreamedFromTheFile() async throws {
        let file = AzureTestFile(size: 1000)
        let transport = AzureRecordingTransport()
        try await Self.provider(transport, checksum: true).upload(UploadSource(path: file.path, size: 1000)) { _ in }

        let requests = transport.requests
        #expect(requests.count == 1)
        let put = try #require(requests.first)
        #expect(put.method == "PUT")
        #expect(put.url == "http://127.0.0.1:1/acct/uploads/azure-test.bin?" + Self.options["azure.shared.access.signature"]!.dropFirst())
        #expect(put.headers["x-ms-blob-type"] == "BlockBlob")
        #expect(put.headers["x-ms-version"] == "2021-08-06")
        #expect(put.headers["content-md5"] == Digest.md5.hash(file.bytes).base64String)
        #expect(put.body == .file(path: file.path, offset: 0, length: 1000))
    }

    @Test func largeFileGoesInBlocksThenOneOrderedBlockList() async throws {
        let file = AzureTestFile(size: 4500)
        let transport = AzureRecordingTransport()
        let progress = Mutex<[Int64]>([])
        try await Self.provider(transport, checksum: true).upload(UploadSource(path: file.path, size: 4500)) { done in
            progress.withLock { $0.append(done) }
        }

        let requests = transport.requests
        let blocks = requests.filter { $0.url.contains("comp=block&") }
        #expect(blocks.count == 5)
        #expect(transport.maxInFlight <= 4)
        for index in 0..<5 {
            let id = AzureBlockPlan.blockID(index)
            let block = try #require(blocks.first { $0.url.contains("blockid=\(id)&") })
            let length = Int64(min(1000, 4500 - index * 1000))
            #expect(block.body == .file(path: file.path, offset: Int64(index) * 1000, length: length))
            let slice = file.bytes[(index * 1000)..<(index * 1000 + Int(length))]
            #expect(block.headers["content-md5"] == Digest.md5.hash(slice).base64String)
        }
        let commit = try #require(requests.last)
        #expect(commit.url.contains("?comp=blocklist&sv="))
        #expect(commit.headers["x-ms-blob-content-md5"] == Digest.md5.hash(file.bytes).base64String)
        guard case .bytes(let xml) = commit.body else { Issue.record("commit body is not bytes"); return }
        let expectedXML = AzureBlockListXML.commitBody(blockIDs: (0..<5).map(AzureBlockPlan.blockID))
        #expect(xml == expectedXML)
        #expect(commit.headers["content-md5"] == Digest.md5.hash(expectedXML).base64String)

        let reported = progress.withLock { $0 }
        #expect(reported == reported.sorted())
        #expect(reported.last == 4500)
    }

    @Test func withoutChecksumNoMD5IsSent() async throws {
        let file = AzureTestFile(size: 2500)
        let transport = AzureRecordingTransport()
        try await Self.provider(transport).upload(UploadSource(path: file.path, size: 2500)) { _ in }
        #expect(transport.requests.allSatisfy { $0.headers["content-md5"] == nil && $0.headers["x-ms-blob-content-md5"] == nil })
    }

    @Test func atMostFourBlocksTravelAtOnce() async throws {
        let file = AzureTestFile(size: 20_000)
        let transport = AzureRecordingTransport()
        try await Self.provider(transport).upload(UploadSource(path: file.path, size: 20_000)) { _ in }
        #expect(transport.maxInFlight == 4)
        #expect(transport.requests.count == 21)
    }

    @Test func aBlockDamagedOnTheWayIsSentAgainAlone() async throws {
        let file = AzureTestFile(size: 3000)
        let damagedID = AzureBlockPlan.blockID(1)
        let transport = AzureRecordingTransport { request, attempt in
            if request.url.contains("blockid=\(damagedID)&") && attempt == 0 {
                return HTTPResponse(status: 400, headers: ["x-ms-error-code": "Md5Mismatch"],
                                    body: Array("<Error><Code>Md5Mismatch</Code><Message>mismatch</Message></Error>".utf8))
            }
            return HTTPResponse(status: 201)
        }
        try await Self.provider(transport, checksum: true).upload(UploadSource(path: file.path, size: 3000)) { _ in }
        let urls = transport.requests.map(\.url)
        #expect(urls.filter { $0.contains("blockid=\(damagedID)&") }.count == 2)
        #expect(urls.filter { $0.contains("comp=block&") }.count == 4)
        #expect(urls.last?.contains("comp=blocklist") == true)
    }

    @Test func persistentMD5MismatchFailsWithAzuresWords() async throws {
        let file = AzureTestFile(size: 500)
        let transport = AzureRecordingTransport { _, _ in
            HTTPResponse(status: 400, body: Array("<Error><Code>Md5Mismatch</Code><Message>The MD5 value did not match.\nRequestId:1</Message></Error>".utf8))
        }
        let message = await Self.failure {
            try await Self.provider(transport, checksum: true).upload(UploadSource(path: file.path, size: 500)) { _ in }
        }
        #expect(transport.requests.count == AzureBlobProvider.checksumAttempts)
        #expect(message == "Azure Blob upload to http://127.0.0.1:1/acct/uploads/azure-test.bin: Put Blob failed: "
                + "HTTP 400 Md5Mismatch: The MD5 value did not match.")
    }

    @Test func azureErrorReachesTheMessageWithoutTheSignature() async throws {
        let file = AzureTestFile(size: 2500)
        let transport = AzureRecordingTransport { request, _ in
            if request.url.contains("comp=blocklist") {
                return HTTPResponse(status: 403, headers: ["x-ms-error-code": "AuthenticationFailed"], body: Array("""
                    <?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Server failed \
                    to authenticate the request.</Message><AuthenticationErrorDetail>bad sig=\(Self.signature) for \
                    \(request.url)</AuthenticationErrorDetail></Error>
                    """.utf8))
            }
            return HTTPResponse(status: 201)
        }
        let message = try #require(await Self.failure {
            try await Self.provider(transport).upload(UploadSource(path: file.path, size: 2500)) { _ in }
        })
        #expect(message.contains("Put Block List failed: HTTP 403 AuthenticationFailed: Server failed to authenticate the request."))
        #expect(!message.contains(Self.signature))
        #expect(!message.contains("c2VjcmV0LXNpZ25hdHVyZQ=="))
    }

    @Test func transportErrorBecomesAnUploadFailure() async throws {
        struct Failing: HTTPTransport {
            func send(_ request: HTTPRequest, progress: @escaping @Sendable (Int64) -> Void) async throws -> HTTPResponse {
                throw TransferError(.network, "connection refused to \(request.url)")
            }
        }
        let file = AzureTestFile(size: 10)
        let provider = try AzureBlobProvider(options: Self.options, context: ProviderContext(
            transport: Failing(), checksum: false, deviceId: "d", now: Self.now))
        let message = try #require(await Self.failure {
            try await provider.upload(UploadSource(path: file.path, size: 10)) { _ in }
        })
        #expect(message.contains("Put Blob failed: connection refused"))
        #expect(!message.contains(Self.signature))
    }

    @Test func longExpiredSASFailsBeforeAnyRequest() async throws {
        var options = Self.options
        options["azure.shared.access.signature"] = "sv=2021-08-06&se=2023-12-30T23%3A59%3A59Z&sig=\(Self.signature)"
        let file = AzureTestFile(size: 10)
        let transport = AzureRecordingTransport()
        let message = await Self.failure {
            try await Self.provider(transport, options: options).upload(UploadSource(path: file.path, size: 10)) { _ in }
        }
        #expect(message?.hasPrefix("upload URL expired at 2023-12-30T23:59:59Z") == true)
        #expect(transport.requests.isEmpty)
    }

    @Test func resumeStateFollowsTheStoredBlocksAndClearsOnCommit() async throws {
        let file = AzureTestFile(size: 3000)
        let seen = Mutex<[AzureBlockListState?]>([])
        let store = AzureBlockListStateStore { state in seen.withLock { $0.append(state) } }
        try await Self.provider(AzureRecordingTransport(), store: store).upload(UploadSource(path: file.path, size: 3000)) { _ in }

        let states = seen.withLock { $0 }
        #expect(states.first??.blockIDs == [])
        #expect(states.first??.blobURL == "http://127.0.0.1:1/acct/uploads/azure-test.bin")
        #expect(states.dropLast().last??.blockIDs == (0..<3).map(AzureBlockPlan.blockID))
        #expect(states.last! == nil)
        #expect(store.current == nil)
    }

    @Test func resumedUploadSendsOnlyTheMissingBlocks() async throws {
        let file = AzureTestFile(size: 3000)
        let held = [AzureBlockPlan.blockID(0), AzureBlockPlan.blockID(2)]
        let transport = AzureRecordingTransport { request, _ in
            if request.method == "GET" {
                let blocks = held.map { "<Block><Name>\($0)</Name><Size>1000</Size></Block>" }.joined()
                return HTTPResponse(status: 200, body: Array("<BlockList><UncommittedBlocks>\(blocks)</UncommittedBlocks></BlockList>".utf8))
            }
            return HTTPResponse(status: 201)
        }
        let state = AzureBlockListState(blobURL: "http://127.0.0.1:1/acct/uploads/azure-test.bin", fileSize: 3000,
                                        blockSize: 1000, blockIDs: held)
        let progress = Mutex<[Int64]>([])
        try await Self.provider(transport, resumeFrom: state).upload(UploadSource(path: file.path, size: 3000)) { done in
            progress.withLock { $0.append(done) }
        }
        let urls = transport.requests.map(\.url)
        #expect(urls.first?.contains("comp=blocklist&blocklisttype=uncommitted") == true)
        #expect(urls.filter { $0.contains("comp=block&") } == urls.filter { $0.contains(AzureBlockPlan.blockID(1)) })
        #expect(urls.filter { $0.contains("comp=block&") }.count == 1)
        #expect(progress.withLock { $0.first } == 2000)
        #expect(progress.withLock { $0.last } == 3000)
    }
}
