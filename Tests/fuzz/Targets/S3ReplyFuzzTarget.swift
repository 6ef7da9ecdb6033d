@testable import UploadAgent

/// A reply body from an S3 endpoint (or whatever answers in its place): the error sentence
/// for the status file, the UploadId of CreateMultipartUpload, and the escaping of what we
/// write back (ETags go into CompleteMultipartUpload). A secret the server echoes never
/// reaches the sentence.
enum S3ReplyFuzzTarget: FuzzTarget {
    static let name = "s3-xml"
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

    static func run(_ input: FuzzInput) {
        let response = HTTPResponse(status: 403, headers: ["etag": input.text], body: input.bytes)
        let error = S3ErrorResponse(response)
        let sentence = error.describe(operation: "PutObject", scrubbing: [secret])
        precondition(!sentence.contains(secret), "the secret reached the error sentence")
        _ = S3ErrorResponse.isErrorDocument(response)
        if let uploadId = XMLText.firstElement("UploadId", in: response.bodyText) {
            // The id goes back into a query string and into our own XML.
            precondition(PercentEncoding.decode(PercentEncoding.encode(uploadId)) == uploadId)
            checkEscaping(uploadId)
        }
        checkEscaping(input.text)
    }

    /// What we write is well-formed text content and reads back as the original.
    static func checkEscaping(_ text: String) {
        let escaped = XMLText.escape(text)
        precondition(!escaped.unicodeScalars.contains("<") && !escaped.unicodeScalars.contains(">"),
                     "escaped XML text holds a raw '<' or '>': \(escaped.debugDescription)")
        precondition(XMLText.unescape(escaped) == text, "escape then unescape changed \(text.debugDescription)")
    }
}
