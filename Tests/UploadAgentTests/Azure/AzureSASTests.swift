import Testing
@testable import UploadAgent

@Suite struct AzureSASTests {
    @Test func parsesTheTimeFormatsOfSAS() {
        #expect(RFC3339.parseISO8601("1970-01-01T00:00:00Z") == 0)
        #expect(RFC3339.parseISO8601("2024-01-01T00:00:00Z") == 1_704_067_200)
        #expect(RFC3339.parseISO8601("2024-01-01T00:00Z") == 1_704_067_200)
        #expect(RFC3339.parseISO8601("2024-01-01") == 1_704_067_200)
        #expect(RFC3339.parseISO8601("2024-01-01T01:00:00+01:00") == 1_704_067_200)
        #expect(RFC3339.parseISO8601("2024-01-01T00:00:00.5Z") == 1_704_067_200.5)
        #expect(RFC3339.parseISO8601("2000-02-29T12:34:56Z") == 951_827_696)
        #expect(RFC3339.parseISO8601("tomorrow") == nil)
        #expect(RFC3339.parseISO8601("2024-13-01T00:00:00Z") == nil)
        #expect(RFC3339.parseISO8601("2024-01-01T00:00:00Zjunk") == nil)
    }

    @Test func readsTheEncodedExpiry() {
        let sas = AzureSharedAccessSignature("?sv=2021-08-06&se=2024-01-01T00%3A00%3A00Z&sig=s3cr3t%2B")
        #expect(sas.query.hasPrefix("sv="))
        #expect(sas.expiry == 1_704_067_200)
        #expect(sas.parameter("sig") == "s3cr3t+")
        #expect(AzureSharedAccessSignature("sv=1&sig=x").expiry == nil)
    }

    @Test func redactionRemovesTheSignatureEverywhere() {
        let sas = AzureSharedAccessSignature("sv=1&se=2030-01-01&sig=AbCd%2Bef%3D")
        let text = "GET http://h/c/b?comp=block&sig=AbCd%2Bef%3D failed; key AbCd+ef= seen; other?sig=zzz&x=1"
        let redacted = sas.redact(text)
        #expect(!redacted.contains("AbCd"))
        #expect(!redacted.contains("zzz"))
        #expect(redacted.contains("sig=REDACTED"))
        #expect(redacted.contains("&x=1"))
        #expect(AzureSharedAccessSignature.redactSignatureParameters("design=1") == "design=1")
    }
}
