import Testing
@testable import UploadAgent

@Suite struct TextFormatTests {
    @Test func goDurations() {
        #expect(GoDuration.parse("10h") == 36_000)
        #expect(GoDuration.parse("1.5s") == 1.5)
        #expect(GoDuration.parse("300ms") == 0.3)
        #expect(GoDuration.parse("1h30m") == 5_400)
        #expect(GoDuration.parse("0") == 0)
        #expect(GoDuration.parse("10") == nil)
        #expect(GoDuration.parse("h") == nil)
        #expect(GoDuration.parse("") == nil)
        #expect(GoDuration.format(36_000) == "10h")
        #expect(GoDuration.format(90) == "1m30s")
    }

    @Test func rfc3339RoundTripAndOffsets() {
        #expect(RFC3339.parse("2000-05-01T00:00:00Z") == 957_139_200)
        #expect(RFC3339.format(957_139_200) == "2000-05-01T00:00:00Z")
        #expect(RFC3339.parse("2000-05-01T02:00:00+02:00") == 957_139_200)
        #expect(RFC3339.parse("2000-05-01T00:00:00.5Z") == 957_139_200.5)
        #expect(RFC3339.format(959_817_599) == "2000-05-31T23:59:59Z")
        #expect(RFC3339.parse("2000-05-01") == nil)
        #expect(RFC3339.parse("2000-13-01T00:00:00Z") == nil)
        #expect(RFC3339.parse("2000-05-01T00:00:00Zjunk") == nil)
        #expect(RFC3339.parse("") == nil)
    }

    @Test func byteRates() {
        #expect(ByteRate.parse("2MB") == 2_000_000)
        #expect(ByteRate.parse("512KiB") == 524_288)
        #expect(ByteRate.parse("0") == 0)
        #expect(ByteRate.parse("1.5M/s") == 1_500_000)
        #expect(ByteRate.parse("fast") == nil)
    }

    @Test func presignedExpiry() throws {
        let aws = "https://b.s3.amazonaws.com/k?X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-Signature=abc"
        #expect(PresignedURLExpiry.expiry(of: aws) == RFC3339.parse("2013-05-25T00:00:00Z"))
        let sas = "https://a.blob.core.windows.net/c/b?sv=2021&se=2030-01-01T00%3A00%3A00Z&sig=xyz"
        #expect(PresignedURLExpiry.expiry(of: sas) == RFC3339.parse("2030-01-01T00:00:00Z"))
        #expect(PresignedURLExpiry.expiry(of: "https://cdn/x?Expires=1700000000&Signature=s") == 1_700_000_000)
        #expect(PresignedURLExpiry.expiry(of: "https://host/plain") == nil)
        #expect(throws: UploadFailure.self) { try PresignedURLExpiry.check(aws, now: 2_000_000_000) }
        try PresignedURLExpiry.check(sas, now: 1_800_000_000)
    }

    @Test func redactedURLDropsQueryAndUserinfo() {
        #expect(RedactedURL.describe("https://user:pw@host:8443/a/b?sig=SECRET#x") == "https://host:8443/a/b")
        #expect(RedactedURL.describe("http://host/a") == "http://host/a")
    }

    @Test func secretRedactor() {
        let line = "PUT https://h/x?sv=1&sig=SECRET1&se=2 failed, Authorization: Bearer SECRET2, X-Amz-Signature=SECRET3"
        let redacted = SecretRedactor.redact(line)
        for secret in ["SECRET1", "SECRET2", "SECRET3"] { #expect(!redacted.contains(secret), "\(redacted)") }
        #expect(redacted.contains("sv=1"))
        #expect(SecretRedactor.redact(#"{"aws.secret.access.key":"KEYVALUE"}"#).contains("KEYVALUE") == false)
        #expect(SecretRedactor.redact("nothing here") == "nothing here")
    }

    @Test func hexAndBase64() {
        #expect([0x00, 0xff, 0x10].hexString == "00ff10")
        #expect(Array("f".utf8).base64String == "Zg==")
        #expect(Array("fo".utf8).base64String == "Zm8=")
        #expect(Array("foo".utf8).base64String == "Zm9v")
    }
}
