import Synchronization
import Testing
@testable import UploadAgent
#if canImport(Glibc)
import Glibc
#endif

@Suite struct S3StorageProviderTests {
    static let mebibyte: Int64 = 1 << 20
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let options: [String: String] = [
        "aws.region": "eu-central-1", "aws.access.key.id": "AKIAIOSFODNN7EXAMPLE",
        "aws.secret.access.key": secret, "aws.s3.bucket": "bucket",
    ]

    /// A file of `size` bytes: sparse zeros plus a few marker bytes, so large files cost no disk.
    static func makeFile(size: Int64, name: String = "file.bin") throws -> UploadSource {
        var template = Array("/tmp/s3-provider-test-XXXXXX".utf8CString)
        let directory = String(cString: mkdtemp(&template)!)
        let path = directory + "/" + name
        let fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o644)
        #expect(fd >= 0)
        _ = ftruncate(fd, off_t(size))
        let marker = Array("marker".utf8)
        if size >= Int64(marker.count) { _ = pwrite(fd, marker, marker.count, 0) }
        close(fd)
        return UploadSource(path: path, size: size)
    }

    static func provider(_ transport: FakeS3Transport, options extra: [String: String] = [:], checksum: Bool = false,
                         partSize: Int64 = S3PartPlan.minimumPartSize,
                         waits: ProgressLog = ProgressLog()) throws -> S3StorageProvider {
        // Waits between attempts are recorded, not slept.
        let context = ProviderContext(transport: transport, checksum: checksum, deviceId: "ns:device",
                                      now: { 1_369_353_600 }, sleep: { waits.record(Int64($0 * 1000)) })
        return try S3StorageProvider(options: options.merging(extra) { $1 }, context: context, partSize: partSize)
    }

    final class ProgressLog: Sendable {
        let values = Mutex<[Int64]>([])
        func record(_ value: Int64) { values.withLock { $0.append(value) } }
        var all: [Int64] { values.withLock { $0 } }
    }

    @Test func smallFileIsOnePutObjectWithChecksums() async throws {
        let file = try Self.makeFile(size: 1024)
        let transport = FakeS3Transport()
        let provider = try Self.provider(transport, options: ["aws.object.key": "/{device}/logs/{file}"], checksum: true)
        let log = ProgressLog()
        try await provider.upload(file) { log.record($0) }

        let requests = transport.requests
        #expect(requests.count == 1)
        let put = try #require(requests.first)
        #expect(put.method == "PUT")
        #expect(put.url == "https://bucket.s3.eu-central-1.amazonaws.com/ns%3Adevice/logs/file.bin")
        #expect(put.body == .file(path: file.path, offset: 0, length: 1024))
        #expect(put.headers["content-md5"] == (try Digest.md5.hash(file: file.path, length: 1024)).base64String)
        #expect(put.headers["x-amz-checksum-sha256"] == (try Digest.sha256.hash(file: file.path, length: 1024)).base64String)
        #expect(put.headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD")
        #expect(put.headers["host"] == "bucket.s3.eu-central-1.amazonaws.com")
        #expect(put.headers["authorization"]?.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/eu-central-1/s3/aws4_request,") == true)
        #expect(log.all.last == 1024)
    }

    @Test func withoutChecksumNoDigestHeaders() async throws {
        let file = try Self.makeFile(size: 10)
        let transport = FakeS3Transport()
        try await Self.provider(transport).upload(file) { _ in }
        let put = try #require(transport.requests.first)
        #expect(put.headers["content-md5"] == nil)
        #expect(put.headers["x-amz-checksum-sha256"] == nil)
    }

    @Test func largeFileIsMultipartWithFourPartsInFlightAndETagsInOrder() async throws {
        let partSize = S3PartPlan.minimumPartSize
        let file = try Self.makeFile(size: 5 * partSize + 100)  // 6 parts
        let transport = FakeS3Transport(partDelay: .milliseconds(40))
        let log = ProgressLog()
        try await Self.provider(transport).upload(file) { log.record($0) }

        let requests = transport.requests
        #expect(requests.first?.method == "POST")
        #expect(requests.first?.url == "https://bucket.s3.eu-central-1.amazonaws.com/\(file.path)?uploads")
        let parts = requests.filter { $0.method == "PUT" }
        #expect(parts.count == 6)
        for number in 1...6 {
            let part = try #require(parts.first { $0.url.contains("partNumber=\(number)&") })
            #expect(part.url.hasSuffix("?partNumber=\(number)&uploadId=upload-1"))
            let offset = Int64(number - 1) * partSize
            #expect(part.body == .file(path: file.path, offset: offset, length: number == 6 ? 100 : partSize))
            #expect(part.headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD")
        }
        #expect(transport.maxInFlight == 4)
        let complete = try #require(requests.last)
        #expect(complete.method == "POST")
        #expect(complete.url.hasSuffix("/file.bin?uploadId=upload-1"))
        let expectedParts = (1...6).map { "<ETag>\"etag-\($0)\"</ETag><PartNumber>\($0)</PartNumber>" }
        var position = complete.bodyText.startIndex
        for part in expectedParts {
            let found = try #require(complete.bodyText[position...].firstRange(of: part), "part missing or out of order: \(part)")
            position = found.upperBound
        }
        #expect(complete.headers["x-amz-content-sha256"] == SigV4Signer.payloadHash(Array(complete.bodyText.utf8)))
        #expect(!requests.contains { $0.method == "DELETE" })

        let values = log.all
        #expect(values == values.sorted())
        #expect(values.last == file.size)
    }

    @Test func multipartWithChecksumSendsDigestsPerPart() async throws {
        let partSize = S3PartPlan.minimumPartSize
        let file = try Self.makeFile(size: partSize + 7)
        let transport = FakeS3Transport()
        try await Self.provider(transport, checksum: true).upload(file) { _ in }
        let requests = transport.requests
        #expect(requests.first?.headers["x-amz-checksum-algorithm"] == "SHA256")
        let second = try #require(requests.first { $0.url.contains("partNumber=2&") })
        #expect(second.headers["content-md5"] == (try Digest.md5.hash(file: file.path, offset: partSize, length: 7)).base64String)
        let sha = (try Digest.sha256.hash(file: file.path, offset: partSize, length: 7)).base64String
        #expect(second.headers["x-amz-checksum-sha256"] == sha)
        #expect(requests.last?.bodyText.contains("<ChecksumSHA256>\(sha)</ChecksumSHA256><ETag>\"etag-2\"</ETag>") == true)
    }

    @Test func failedPartAbortsAndNamesTheS3Error() async throws {
        let file = try Self.makeFile(size: 2 * S3PartPlan.minimumPartSize + 1)
        let error = HTTPResponse(status: 403, body: Array("<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>1</RequestId></Error>".utf8))
        let transport = FakeS3Transport(failingPart: (2, error))
        await #expect {
            try await Self.provider(transport).upload(file) { _ in }
        } throws: { error in
            let message = (error as? UploadFailure)?.message ?? ""
            return message == "S3 UploadPart 2/3 failed: HTTP 403 AccessDenied: Access Denied"
        }
        let requests = transport.requests
        let abort = try #require(requests.last { $0.method == "DELETE" })
        #expect(abort.url.hasSuffix("/file.bin?uploadId=upload-1"))
        #expect(!requests.contains { $0.method == "POST" && $0.url.hasSuffix("uploadId=upload-1") })
    }

    @Test func cancellationAbortsTheUpload() async throws {
        let file = try Self.makeFile(size: 3 * S3PartPlan.minimumPartSize)
        let transport = FakeS3Transport(stallParts: true)
        let provider = try Self.provider(transport)
        let task = Task { try await provider.upload(file) { _ in } }
        #expect(await ChangeSignal.shared.until { transport.requests.filter { $0.method == "PUT" }.count >= 3 })
        task.cancel()
        let result = await task.result
        #expect(throws: (any Error).self) { try result.get() }
        let requests = transport.requests
        let abort = try #require(requests.last { $0.method == "DELETE" })
        #expect(abort.url.hasSuffix("?uploadId=upload-1"))
        #expect(requests.last?.method == "GET")
        #expect(!requests.contains { $0.method == "POST" && $0.url.hasSuffix("uploadId=upload-1") })
    }

    @Test func abortIsRepeatedUntilListPartsSaysTheUploadIsGone() async throws {
        let file = try Self.makeFile(size: S3PartPlan.minimumPartSize + 1)
        let error = HTTPResponse(status: 500, body: Array("<Error><Code>InternalError</Code></Error>".utf8))
        let transport = FakeS3Transport(failingPart: (1, error), abortFailures: 2)
        let waits = ProgressLog()
        await #expect(throws: UploadFailure.self) { try await Self.provider(transport, waits: waits).upload(file) { _ in } }
        let tail = transport.requests.filter { $0.method == "DELETE" || $0.method == "GET" }.map(\.method)
        #expect(tail == ["DELETE", "DELETE", "DELETE", "GET"])
        #expect(waits.all.suffix(2) == [250, 500], "backoff between the aborts: \(waits.all)")
    }

    @Test func abortThatNeverWorksIsReported() async throws {
        let file = try Self.makeFile(size: S3PartPlan.minimumPartSize + 1)
        let error = HTTPResponse(status: 500, body: Array("<Error><Code>InternalError</Code></Error>".utf8))
        let transport = FakeS3Transport(failingPart: (1, error), abortFailures: 100)
        await #expect {
            try await Self.provider(transport).upload(file) { _ in }
        } throws: { error in
            let message = (error as? UploadFailure)?.message ?? ""
            return message.hasPrefix("S3 UploadPart 1/2 failed: HTTP 500 InternalError (and S3 AbortMultipartUpload failed: HTTP 500")
                && message.hasSuffix("its parts stay until a bucket lifecycle rule removes them)")
        }
    }

    @Test func completeAnsweringOKWithAnErrorBodyFails() async throws {
        let file = try Self.makeFile(size: S3PartPlan.minimumPartSize + 1)
        let body = "<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>"
        let transport = FakeS3Transport(completeResponse: HTTPResponse(status: 200, body: Array(body.utf8)))
        await #expect {
            try await Self.provider(transport).upload(file) { _ in }
        } throws: { error in
            (error as? UploadFailure)?.message.hasPrefix("S3 CompleteMultipartUpload failed: HTTP 200 InternalError") == true
        }
        #expect(transport.requests.contains { $0.method == "DELETE" })
    }

    @Test func stateIsReportedAndResumeSkipsCompletedParts() async throws {
        let partSize = S3PartPlan.minimumPartSize
        let file = try Self.makeFile(size: 3 * partSize)
        let states = Mutex<[S3MultipartState]>([])
        var provider = try Self.provider(FakeS3Transport())
        provider.multipartStateDidChange = { state in states.withLock { $0.append(state) } }
        try await provider.upload(file) { _ in }
        let final = try #require(states.withLock { $0.last })
        #expect(final.uploadId == "upload-1" && final.bucket == "bucket" && final.key == file.path)
        #expect(final.completedParts == [1: "\"etag-1\"", 2: "\"etag-2\"", 3: "\"etag-3\""])
        #expect(states.withLock { $0.first?.completedParts.isEmpty } == true)

        let transport = FakeS3Transport()
        let log = ProgressLog()
        let resumed = S3MultipartState(uploadId: "old-upload", bucket: "bucket", key: file.path, fileSize: file.size,
                                       partSize: partSize, completedParts: [1: "\"etag-1\"", 3: "\"etag-3\""])
        try await Self.provider(transport).upload(file, resuming: resumed) { log.record($0) }
        let requests = transport.requests
        #expect(requests.count == 2)
        #expect(requests[0].url.hasSuffix("?partNumber=2&uploadId=old-upload"))
        #expect(requests[1].bodyText.contains("<PartNumber>1</PartNumber></Part><Part><ETag>\"etag-2\"</ETag><PartNumber>2</PartNumber></Part><Part><ETag>\"etag-3\"</ETag>"))
        #expect(log.all.first! >= 2 * partSize && log.all.last == file.size)
    }

    @Test func endpointMeansPathStyle() async throws {
        let file = try Self.makeFile(size: 3, name: "a b.txt")
        let transport = FakeS3Transport()
        try await Self.provider(transport, options: ["aws.endpoint": "http://127.0.0.1:9000/"]).upload(file) { _ in }
        let folder = String(file.path.dropLast("/a b.txt".count))
        #expect(transport.requests.first?.url == "http://127.0.0.1:9000/bucket/\(folder)/a%20b.txt")
        #expect(transport.requests.first?.headers["host"] == "127.0.0.1:9000")
    }

    /// Kanto's default key is the path as the request gave it, leading slash included: the
    /// URL then has two slashes after the bucket, and the canonical URI keeps them (S3 does
    /// not normalise paths), or the signature would cover another key than the one stored.
    @Test func defaultKeyIsTheFilePathWithItsLeadingSlash() async throws {
        let file = UploadSource(path: "/var/tmp/file-upload/a b.log", size: 0)
        let transport = FakeS3Transport()
        try await Self.provider(transport).upload(file) { _ in }
        let put = try #require(transport.requests.first)
        #expect(put.url == "https://bucket.s3.eu-central-1.amazonaws.com//var/tmp/file-upload/a%20b.log")
        let pathStyle = FakeS3Transport()
        try await Self.provider(pathStyle, options: ["aws.endpoint": "http://127.0.0.1:9000"]).upload(file) { _ in }
        #expect(pathStyle.requests.first?.url == "http://127.0.0.1:9000/bucket//var/tmp/file-upload/a%20b.log")
        let signer = SigV4Signer(credentials: AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: Self.secret,
                                                             sessionToken: nil),
                                 region: "eu-central-1", now: { 1_369_353_600 })
        var request = HTTPRequest(method: "PUT", url: "http://127.0.0.1:9000/bucket//var/tmp/a.log")
        let signature = signer.signature(for: &request, payloadHash: "UNSIGNED-PAYLOAD")
        #expect(signature.canonicalRequest.hasPrefix("PUT\n/bucket//var/tmp/a.log\n"))
    }

    @Test func objectKeyTemplateStillDropsLeadingSlashes() throws {
        let options = try S3Options(Self.options.merging(["aws.object.key": "/{device}/{file}"]) { $1 })
        #expect(options.objectKey(for: UploadSource(path: "/a/b.log", size: 1), deviceId: "ns:d") == "ns:d/b.log")
        #expect(try S3Options(Self.options).objectKey(for: UploadSource(path: "/a/b.log", size: 1), deviceId: "ns:d") == "/a/b.log")
    }

    @Test func sessionTokenIsSent() async throws {
        let file = try Self.makeFile(size: 3)
        let transport = FakeS3Transport()
        try await Self.provider(transport, options: ["aws.session.token": "FQoGZXIvYXdzE"]).upload(file) { _ in }
        #expect(transport.requests.first?.headers["x-amz-security-token"] == "FQoGZXIvYXdzE")
    }

    @Test(arguments: ["aws.region", "aws.access.key.id", "aws.secret.access.key", "aws.s3.bucket"])
    func missingRequiredOptionIsNamed(key: String) throws {
        var options = Self.options
        options[key] = ""
        #expect {
            _ = try Self.provider(FakeS3Transport(), options: options)
        } throws: { error in
            (error as? InvalidStartOptions)?.message == "required parameter '\(key)' missing or empty"
        }
    }

    @Test func emptyObjectKeyIsRefusedBeforeAnythingIsSent() async throws {
        let file = try Self.makeFile(size: 3)
        let transport = FakeS3Transport()
        await #expect(throws: UploadFailure.self) {
            try await Self.provider(transport, options: ["aws.object.key": "//"]).upload(file) { _ in }
        }
        #expect(transport.requests.isEmpty)
    }

    @Test func badEndpointIsRefused() {
        #expect(throws: InvalidStartOptions.self) {
            _ = try Self.provider(FakeS3Transport(), options: ["aws.endpoint": "ftp://example"])
        }
    }

    @Test func errorMessagesNeverCarryTheSecret() {
        let body = "<Error><Code>SignatureDoesNotMatch</Code><Message>calculated with \(Self.secret)</Message></Error>"
        let message = S3ErrorResponse(HTTPResponse(status: 403, body: Array(body.utf8)))
            .describe(operation: "PutObject", scrubbing: [Self.secret])
        #expect(message == "S3 PutObject failed: HTTP 403 SignatureDoesNotMatch: calculated with <redacted>")
    }

    @Test func partPlanGrowsToStayWithinTenThousandParts() {
        #expect(S3PartPlan(fileSize: 8 * Self.mebibyte).isSinglePut)
        #expect(!S3PartPlan(fileSize: 8 * Self.mebibyte + 1).isSinglePut)
        #expect(S3PartPlan(fileSize: 40 * Self.mebibyte).partCount == 5)
        #expect(S3PartPlan(fileSize: 1, preferredPartSize: 1).partSize == 5 * Self.mebibyte)
        let huge = S3PartPlan(fileSize: 200 * 1024 * Self.mebibyte)  // 200 GiB
        #expect(huge.partCount <= 10_000)
        #expect(huge.partSize == 21 * Self.mebibyte)
        #expect(huge.range(ofPart: huge.partCount).length > 0)
    }

    @Test func bucketsWithDotsUsePathStyleOnAWS() {
        #expect(S3ObjectAddress(bucket: "my.bucket", region: "us-east-1", endpoint: nil).url(key: "k")
                == "https://s3.us-east-1.amazonaws.com/my.bucket/k")
        #expect(S3ObjectAddress(bucket: "my-bucket", region: "us-east-1", endpoint: nil).url(key: "a/b", query: [("uploads", nil)])
                == "https://my-bucket.s3.us-east-1.amazonaws.com/a/b?uploads")
    }
}
