import Testing
@testable import UploadAgent

@Suite struct AzureBlobTargetTests {
    static let options = [
        "azure.storage.endpoint": "https://acct.blob.core.windows.net/",
        "azure.shared.access.signature": "?sv=2021-08-06&se=2030-01-01T00%3A00%3A00Z&sig=abc%2Bdef%3D",
        "azure.blob.container": "logs",
    ]

    @Test func blobURLJoinsEndpointContainerNameAndSAS() throws {
        let target = try AzureBlobTarget(options: Self.options)
        #expect(target.blobURL("a.log")
                == "https://acct.blob.core.windows.net/logs/a.log?sv=2021-08-06&se=2030-01-01T00%3A00%3A00Z&sig=abc%2Bdef%3D")
        #expect(target.publicBlobURL("a.log") == "https://acct.blob.core.windows.net/logs/a.log")
    }

    @Test(arguments: ["https://acct.blob.core.windows.net", "https://acct.blob.core.windows.net/",
                      "https://acct.blob.core.windows.net//"])
    func endpointWithOrWithoutTrailingSlash(endpoint: String) throws {
        var options = Self.options
        options["azure.storage.endpoint"] = endpoint
        options["azure.shared.access.signature"] = "sv=1&sig=x"
        #expect(try AzureBlobTarget(options: options).blobURL("f") == "https://acct.blob.core.windows.net/logs/f?sv=1&sig=x")
    }

    @Test func pathStyleEndpointKeepsTheAccountSegment() throws {
        var options = Self.options
        options["azure.storage.endpoint"] = "http://127.0.0.1:10000/devstoreaccount1"
        #expect(try AzureBlobTarget(options: options).publicBlobURL("f") == "http://127.0.0.1:10000/devstoreaccount1/logs/f")
    }

    @Test func blobNameIsPercentEncoded() throws {
        let target = try AzureBlobTarget(options: Self.options)
        #expect(target.publicBlobURL("my log#1?.txt") == "https://acct.blob.core.windows.net/logs/my%20log%231%3F.txt")
        #expect(target.publicBlobURL("grüße.log") == "https://acct.blob.core.windows.net/logs/gr%C3%BC%C3%9Fe.log")
    }

    @Test func operationParametersComeBeforeTheSAS() throws {
        let target = try AzureBlobTarget(options: Self.options)
        let url = target.blobURL("f", operation: [("comp", "block"), ("blockid", "ab+/=")])
        #expect(url.hasPrefix("https://acct.blob.core.windows.net/logs/f?comp=block&blockid=ab%2B%2F%3D&sv="))
    }

    @Test(arguments: ["azure.storage.endpoint", "azure.shared.access.signature", "azure.blob.container"])
    func missingOptionNamesTheKey(key: String) {
        for value in [nil, ""] as [String?] {
            var options = Self.options
            options[key] = value
            #expect {
                try AzureBlobTarget(options: options)
            } throws: { error in
                (error as? InvalidStartOptions)?.message == "required parameter '\(key)' missing or empty"
            }
        }
    }

    @Test func endpointMustBeHTTP() {
        var options = Self.options
        options["azure.storage.endpoint"] = "acct.blob.core.windows.net"
        #expect {
            try AzureBlobTarget(options: options)
        } throws: { error in
            (error as? InvalidStartOptions)?.message.contains("azure.storage.endpoint") == true
        }
    }
}
