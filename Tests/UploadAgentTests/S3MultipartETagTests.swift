import Testing
@testable import UploadAgent

/// The ETag a completed multipart upload gets is what tells a restarted agent that its
/// CompleteMultipartUpload went through before the crash; a wrong formula would upload
/// every such file again (or, worse, accept another object).
@Suite struct S3MultipartETagTests {
    @Test func isTheMD5OfThePartMD5sWithThePartCount() {
        // md5("part one"), md5("part two"); the expected value computed independently.
        let parts = ["\"3303e12af474ca11d85ed2966a932992\"", "3ea4e15b91a17dc76052c56cfcdf67a2"]
        #expect(S3MultipartETag.of(partETags: parts) == "\"0732917abc3288784e318ac0aab1757a-2\"")
    }

    @Test func concludesNothingFromETagsThatAreNotMD5s() {
        #expect(S3MultipartETag.of(partETags: []) == nil)
        #expect(S3MultipartETag.of(partETags: ["\"3303e12af474ca11d85ed2966a932992\"", "\"not-an-md5\""]) == nil)
        #expect(S3MultipartETag.of(partETags: ["\"3303e12af474ca11d85ed2966a93299z\""]) == nil)
    }
}
