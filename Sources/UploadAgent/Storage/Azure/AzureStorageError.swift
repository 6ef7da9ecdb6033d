/// An error answer of the Blob service, read the way Azure sends it: the code in the
/// `x-ms-error-code` header (HEAD answers have nothing else) and in the XML body
/// `<Error><Code/><Message/>[<AuthenticationErrorDetail/>]</Error>`. The person reading an
/// upload failure needs the status, the code and Azure's own words.
struct AzureStorageError: Sendable, Equatable, CustomStringConvertible {
    let status: Int
    let code: String?
    /// The first line of `<Message>`; Azure appends `RequestId:` and `Time:` lines.
    let message: String?
    /// `<AuthenticationErrorDetail>`, which says why a SAS was refused (expired, bad signature).
    let detail: String?

    init(status: Int, code: String?, message: String?, detail: String?) {
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail
    }

    init(response: HTTPResponse) {
        let body = response.bodyText
        let code = XMLText.firstElement("Code", in: body) ?? response.header("x-ms-error-code")
        let fullMessage = XMLText.firstElement("Message", in: body)
        let firstLine = fullMessage?.split(whereSeparator: \.isNewline).first.map(String.init)
        // The detail spans lines (Azure prints its string-to-sign); one line reads better.
        var detail = XMLText.firstElement("AuthenticationErrorDetail", in: body).map(Self.singleLine)
        if code == nil && fullMessage == nil && !body.isEmpty {
            // Not Azure's XML (a proxy, a load balancer): keep the start of what came back.
            detail = String(body.prefix(200))
        }
        self.init(status: response.status, code: code, message: firstLine, detail: detail)
    }

    /// Worth another try of the same bytes: the body was damaged on the way.
    var isChecksumMismatch: Bool { status == 400 && code == "Md5Mismatch" }

    /// "HTTP 403 AuthenticationFailed: Server failed to authenticate … (Signature not valid …)".
    var description: String {
        var text = "HTTP \(status)"
        if let code { text += " \(code)" }
        if let message, !message.isEmpty { text += ": \(message)" }
        if let detail, !detail.isEmpty { text += " (\(detail))" }
        return text
    }

    /// `text` on one line: runs of line breaks become one space. `\.isNewline`, because
    /// "\r\n" is one Character and equals neither "\n" nor "\r".
    static func singleLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
