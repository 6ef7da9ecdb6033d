import Synchronization
import Testing
@testable import UploadAgent

/// A gateway clock hours off: S3 skew errors teach the offset; pre-signed URLs are judged
/// with a margin.
@Suite struct ClockSkewTests {
    static let deviceNow: Double = 1_369_353_600  // 2013-05-24T00:00:00Z
    static let serverNow: Double = deviceNow + 3 * 3600

    /// An S3 that refuses requests signed more than 15 minutes off its clock (`serverNow`).
    final class SkewCheckingS3: HTTPTransport {
        let dates = Mutex<[String]>([])
        func send(_ request: HTTPRequest, progress: @escaping @Sendable (Int64) -> Void) async throws -> HTTPResponse {
            let stamp = request.header("x-amz-date") ?? ""
            dates.withLock { $0.append(stamp) }
            let signedAt = PresignedURLExpiry.parseAmzDate(stamp) ?? 0
            guard abs(signedAt - ClockSkewTests.serverNow) <= 900 else {
                return HTTPResponse(status: 403, headers: ["date": "Fri, 24 May 2013 03:00:00 GMT"], body: Array(
                    "<Error><Code>RequestTimeTooSkewed</Code><Message>too large</Message></Error>".utf8))
            }
            return HTTPResponse(status: 200)
        }
    }

    @Test func httpDatesParseStrictly() {
        #expect(HTTPDate.parse("Fri, 24 May 2013 03:00:00 GMT") == Self.serverNow)
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == nil)
        #expect(HTTPDate.parse("Sun, 06 Foo 1994 08:49:37 GMT") == nil)
        #expect(HTTPDate.parse("") == nil)
    }

    @Test func skewedS3RequestIsSignedAgainAndTheOffsetKept() async throws {
        let transport = SkewCheckingS3()
        let clock = ServerClockOffset()
        let context = ProviderContext(transport: transport, checksum: false, deviceId: "a:b", now: { Self.deviceNow },
                                      serverClock: clock)
        let provider = try S3StorageProvider(options: [
            "aws.region": "eu-central-1", "aws.access.key.id": "AKID", "aws.secret.access.key": "secret",
            "aws.s3.bucket": "bucket", "aws.object.key": "k",
        ], context: context)
        let file = UploadSource(path: "/dev/null", size: 0)
        try await provider.upload(file) { _ in }
        #expect(clock.seconds == 3 * 3600)
        #expect(transport.dates.withLock { $0 } == ["20130524T000000Z", "20130524T030000Z"])
        try await provider.upload(file) { _ in }  // later requests use the learned offset at once
        #expect(transport.dates.withLock { $0.count } == 3)
    }

    @Test func serverTimeComesFromTheErrorDocumentWithoutADateHeader() {
        let response = HTTPResponse(status: 403, body: Array(
            "<Error><Code>RequestTimeTooSkewed</Code><ServerTime>2013-05-24T03:00:00Z</ServerTime></Error>".utf8))
        #expect(S3Client.serverTime(ofSkewError: response) == Self.serverNow)
        #expect(S3Client.serverTime(ofSkewError: HTTPResponse(status: 403, headers: ["date": "Fri, 24 May 2013 03:00:00 GMT"],
                                                              body: Array("<Error><Code>AccessDenied</Code></Error>".utf8))) == nil)
    }

    @Test func presignedExpiryIsJudgedWithAMargin() throws {
        let url = "https://h/x?Expires=\(Int(Self.deviceNow))"
        // An hour past by the device clock: sent, the server decides.
        try PresignedURLExpiry.check(url, now: Self.deviceNow + 3600)
        // Two days past: refused without a request.
        #expect(throws: UploadFailure.self) { try PresignedURLExpiry.check(url, now: Self.deviceNow + 2 * 86_400) }
        // Once the offset is known, the margin is small and the corrected clock counts.
        let clock = ServerClockOffset()
        clock.learn(serverTime: Self.deviceNow + 3600, deviceTime: Self.deviceNow + 5 * 3600)  // device 4 h ahead
        try PresignedURLExpiry.check(url, now: Self.deviceNow + 4 * 3600, serverClock: clock)
        #expect(throws: UploadFailure.self) {
            try PresignedURLExpiry.check(url, now: Self.deviceNow + 4 * 3600 + 3600, serverClock: clock)
        }
    }
}
