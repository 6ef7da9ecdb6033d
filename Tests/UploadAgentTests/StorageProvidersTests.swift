import Testing
@testable import UploadAgent

/// The provider list, the secrets and the expiry rule come from each provider's descriptor;
/// what a Kanto backend reads of them must stay exactly Kanto's.
@Suite struct StorageProvidersTests {
    @Test func theAdvertisedListsAreKantosStrings() {
        #expect(StorageProviders.supported == "aws,azure,generic")
        #expect(StorageProviders.requested == "aws, azure, generic")
        #expect(StorageProviders.choices == "aws, azure or generic")
    }

    @Test func everyProviderIsFoundByItsNameAndGenericByDefault() throws {
        for type in StorageProviders.all {
            #expect(StorageProviders.descriptor(for: ["storage.provider": type.name.uppercased()])?.name == type.name)
        }
        #expect(StorageProviders.descriptor(for: [:])?.name == GenericHTTPProvider.name)
        #expect(StorageProviders.descriptor(for: ["storage.provider": "gcs"]) == nil)
    }

    @Test func everySecretOptionIsRedacted() {
        #expect(StorageProviders.secretOptionKeys.sorted()
            == ["aws.secret.access.key", "aws.session.token", "azure.shared.access.signature"])
        for key in StorageProviders.secretOptionKeys {
            #expect(!SecretRedactor.redact("{\"\(key)\":\"TOPSECRET\"}").contains("TOPSECRET"), "\(key)")
        }
    }

    @Test func theExpiryIsReadByTheNamedProvidersRule() {
        let url = "https://h/o?X-Amz-Date=20260101T000000Z&X-Amz-Expires=600&X-Amz-Signature=abc"
        let sas = "sv=2021-08-06&se=2026-01-01T00%3A10%3A00Z&sig=abc"
        let tenPast = 1_767_225_600.0 + 600
        #expect(StartOptionsExpiry.expiry(of: ["https.url": url]) == tenPast)
        #expect(StartOptionsExpiry.expiry(of: ["storage.provider": "azure", "azure.shared.access.signature": sas]) == tenPast)
        // An S3 key has no expiry of its own, whatever else the options hold.
        #expect(StartOptionsExpiry.expiry(of: ["storage.provider": "aws", "https.url": url]) == nil)
        #expect(StartOptionsExpiry.isValid(["https.url": url], now: tenPast - 61))
        #expect(!StartOptionsExpiry.isValid(["https.url": url], now: tenPast - 59))
    }
}
