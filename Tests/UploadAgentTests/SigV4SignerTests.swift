import Testing
@testable import UploadAgent

/// The examples of the S3 documentation "Signature Calculations for the Authorization
/// Header: Transferring Payload in a Single Chunk (AWS Signature Version 4)".
@Suite struct SigV4SignerTests {
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let exampleSigner = SigV4Signer(
        credentials: AWSCredentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE",
                                    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", now: { 1_369_353_600 })  // 2013-05-24T00:00:00Z

    @Test func getObjectExample() {
        var request = HTTPRequest(method: "GET", url: "https://examplebucket.s3.amazonaws.com/test.txt",
                                  headers: [("Range", "bytes=0-9")])
        let signature = Self.exampleSigner.signature(for: &request, payloadHash: Self.emptyHash)
        #expect(signature.canonicalRequest == """
            GET
            /test.txt

            host:examplebucket.s3.amazonaws.com
            range:bytes=0-9
            x-amz-content-sha256:\(Self.emptyHash)
            x-amz-date:20130524T000000Z

            host;range;x-amz-content-sha256;x-amz-date
            \(Self.emptyHash)
            """)
        #expect(signature.stringToSign == """
            AWS4-HMAC-SHA256
            20130524T000000Z
            20130524/us-east-1/s3/aws4_request
            7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
            """)
        #expect(signature.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(signature.authorization == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func putObjectExample() {
        let body = Array("Welcome to Amazon S3.".utf8)
        let payloadHash = SigV4Signer.payloadHash(body)
        #expect(payloadHash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let key = "test$file.text"
        let request = HTTPRequest(
            method: "PUT",
            url: "https://examplebucket.s3.amazonaws.com/" + PercentEncoding.encode(key, keepSlash: true),
            headers: [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
            body: .bytes(body))
        let signed = Self.exampleSigner.sign(request, payloadHash: payloadHash)
        #expect(signed.url.hasSuffix("/test%24file.text"))
        #expect(signed.header("Authorization") == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
        #expect(signed.header("x-amz-date") == "20130524T000000Z")
        #expect(signed.header("x-amz-content-sha256") == payloadHash)
        #expect(signed.header("host") == "examplebucket.s3.amazonaws.com")
    }

    @Test func getBucketLifecycleExample() {
        var request = HTTPRequest(method: "GET", url: "https://examplebucket.s3.amazonaws.com/?lifecycle")
        let signature = Self.exampleSigner.signature(for: &request, payloadHash: Self.emptyHash)
        #expect(signature.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2] == "lifecycle=")
        #expect(signature.signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    @Test func listObjectsExampleSortsTheQuery() {
        var request = HTTPRequest(method: "GET", url: "https://examplebucket.s3.amazonaws.com/?prefix=J&max-keys=2")
        let signature = Self.exampleSigner.signature(for: &request, payloadHash: Self.emptyHash)
        #expect(signature.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2] == "max-keys=2&prefix=J")
        #expect(signature.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test func sessionTokenIsSentAndSigned() {
        var signer = Self.exampleSigner
        signer.credentials.sessionToken = "token/with+chars="
        let signed = signer.sign(HTTPRequest(method: "PUT", url: "http://127.0.0.1:9000/bucket/a%20b"),
                                 payloadHash: SigV4Signer.unsignedPayload)
        #expect(signed.header("x-amz-security-token") == "token/with+chars=")
        #expect(signed.header("host") == "127.0.0.1:9000")
        #expect(signed.header("x-amz-content-sha256") == "UNSIGNED-PAYLOAD")
        #expect(signed.header("Authorization")?.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,") == true)
        #expect(signer.credentials.description.contains("token/with") == false)
        #expect(signer.credentials.description.contains("EXAMPLEKEY") == false)
    }

    @Test func canonicalFormsOfHeadersAndQuery() {
        var request = HTTPRequest(method: "post", url: "https://h.example:443/k?uploadId=a%2Fb%3D&partNumber=10&uploads",
                                  headers: [("X-Amz-Meta-A", "  two   spaces  "), ("x-amz-meta-a", "second"),
                                            ("User-Agent", "agent"), ("Content-Length", "5")])
        let signature = Self.exampleSigner.signature(for: &request, payloadHash: Self.emptyHash)
        let lines = signature.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "POST")
        #expect(lines[2] == "partNumber=10&uploadId=a%2Fb%3D&uploads=")
        #expect(lines[3] == "host:h.example")
        #expect(lines.contains("x-amz-meta-a:two spaces,second"))
        #expect(signature.signedHeaders == "host;x-amz-content-sha256;x-amz-date;x-amz-meta-a")
    }

    @Test func uriEncodingFollowsS3Rules() {
        #expect(PercentEncoding.encode("dir/a b+c~d_e.f-g$ü", keepSlash: true) == "dir/a%20b%2Bc~d_e.f-g%24%C3%BC")
        #expect(PercentEncoding.encode("a/b:c") == "a%2Fb%3Ac")
        #expect(PercentEncoding.decode("a%2Fb%3ac+") == "a/b:c+")
    }

    @Test(arguments: [
        (0.0, "19700101T000000Z"), (951_782_400.0, "20000229T000000Z"), (1_369_353_600.5, "20130524T000000Z"),
        (1_798_761_599.0, "20261231T235959Z"), (4_102_444_800.0, "21000101T000000Z"),
    ])
    func amzDateIsUTC(seconds: Double, expected: String) {
        #expect(SigV4Signer.amzDate(secondsSince1970: seconds) == expected)
    }
}
