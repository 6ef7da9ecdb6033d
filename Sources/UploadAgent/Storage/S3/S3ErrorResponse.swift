/// An S3 error reply (`<Error><Code>…</Code><Message>…</Message></Error>`) turned into the
/// sentence a person reads in `lastUpload.message`: operation, HTTP status, code, message.
/// Never the signature or a secret: those are scrubbed even if a server echoed them.
struct S3ErrorResponse: Sendable, Equatable {
    var status: Int
    var code: String?
    var message: String?

    init(_ response: HTTPResponse) {
        status = response.status
        let text = response.bodyText
        code = XMLText.firstElement("Code", in: text)
        message = XMLText.firstElement("Message", in: text)
    }

    /// True when a 200 reply carries an error, which CompleteMultipartUpload may do.
    static func isErrorDocument(_ response: HTTPResponse) -> Bool {
        response.bodyText.contains("<Error>")
    }

    /// "S3 PutObject failed: HTTP 403 SignatureDoesNotMatch: The request signature …".
    func describe(operation: String, scrubbing secrets: [String]) -> String {
        var text = "S3 \(operation) failed: HTTP \(status)"
        if let code, !code.isEmpty { text += " \(code)" }
        if let message, !message.isEmpty {
            let short = message.count > 300 ? String(message.prefix(300)) + "…" : message
            text += ": \(short)"
        }
        for secret in secrets where !secret.isEmpty { text = text.replacing(secret, with: "<redacted>") }
        return text
    }
}
