import Testing
@testable import UploadAgent

@Suite struct AzureStorageErrorTests {
    @Test func readsCodeFirstMessageLineAndAuthenticationDetail() {
        let body = """
        <?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Server failed \
        to authenticate the request.
        RequestId:1234
        Time:2024-01-01T00:00:00.0000000Z</Message><AuthenticationErrorDetail>Signature not valid in the specified \
        time frame: Start [a] - Expiry [b] - Current [c]</AuthenticationErrorDetail></Error>
        """
        let error = AzureStorageError(response: HTTPResponse(status: 403, headers: ["x-ms-error-code": "AuthenticationFailed"],
                                                              body: Array(body.utf8)))
        #expect(error.code == "AuthenticationFailed")
        #expect(error.message == "Server failed to authenticate the request.")
        #expect(error.detail?.hasPrefix("Signature not valid") == true)
        #expect(error.description == "HTTP 403 AuthenticationFailed: Server failed to authenticate the request. "
                + "(Signature not valid in the specified time frame: Start [a] - Expiry [b] - Current [c])")
    }

    @Test func multiLineDetailIsShownOnOneLine() {
        let body = "<Error><Code>AuthenticationFailed</Code><Message>m</Message><AuthenticationErrorDetail>Signature did "
            + "not match. String to sign used was rw\n2024-01-01\n\n/blob/acct</AuthenticationErrorDetail></Error>"
        let error = AzureStorageError(response: HTTPResponse(status: 403, body: Array(body.utf8)))
        #expect(error.detail == "Signature did not match. String to sign used was rw 2024-01-01 /blob/acct")
    }

    @Test func headerOnlyAnswerOfAHEADRequest() {
        let error = AzureStorageError(response: HTTPResponse(status: 404, headers: ["x-ms-error-code": "BlobNotFound"]))
        #expect(error.description == "HTTP 404 BlobNotFound")
    }

    @Test func md5MismatchIsRecognised() {
        let body = "<Error><Code>Md5Mismatch</Code><Message>The MD5 value specified in the request did not match &amp; so on</Message></Error>"
        let error = AzureStorageError(response: HTTPResponse(status: 400, body: Array(body.utf8)))
        #expect(error.isChecksumMismatch)
        #expect(error.message == "The MD5 value specified in the request did not match & so on")
    }

    @Test func nonAzureBodyIsKeptShort() {
        let error = AzureStorageError(response: HTTPResponse(status: 502, body: Array(("Bad gateway " + String(repeating: "x", count: 500)).utf8)))
        #expect(error.code == nil)
        #expect(error.description.hasPrefix("HTTP 502 (Bad gateway"))
        #expect(error.description.count < 230)
    }

    @Test func blockListXMLRoundTrip() {
        let body = String(decoding: AzureBlockListXML.commitBody(blockIDs: ["QQ==", "Qg=="]), as: UTF8.self)
        #expect(body == #"<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>QQ==</Latest><Latest>Qg==</Latest></BlockList>"#)
        let listed = AzureBlockListXML.parseBlockList("""
            <?xml version="1.0" encoding="utf-8"?><BlockList><CommittedBlocks><Block><Name>QQ==</Name><Size>5</Size></Block>\
            </CommittedBlocks><UncommittedBlocks><Block><Name>Qg==</Name><Size>7</Size></Block><Block><Name>Qw==</Name>\
            <Size>9</Size></Block></UncommittedBlocks></BlockList>
            """)
        #expect(listed.committed == [.init(id: "QQ==", size: 5)])
        #expect(listed.uncommitted == [.init(id: "Qg==", size: 7), .init(id: "Qw==", size: 9)])
    }
}
