@testable import UploadAgent

/// A reply of the Blob service (or of a proxy in its place): the first line of the input is
/// the `x-ms-error-code` header, the rest the body, read both as an error and as a Get
/// Block List answer. The error's message is one line, as its documentation promises.
enum AzureReplyFuzzTarget: FuzzTarget {
    static let name = "azure-xml"

    static func run(_ input: FuzzInput) {
        let (code, body) = input.split(at: UInt8(ascii: "\n"))
        var headers: [String: String] = [:]
        if !code.isEmpty { headers["x-ms-error-code"] = code.text }
        let error = AzureStorageError(response: HTTPResponse(status: 403, headers: headers, body: body))
        if let message = error.message {
            precondition(!message.contains(where: \.isNewline), "the message has a line break: \(message.debugDescription)")
        }
        _ = error.description
        _ = error.isChecksumMismatch

        let list = AzureBlockListXML.parseBlockList(body.text)
        let blocks = list.committed.count + list.uncommitted.count
        precondition(blocks <= body.text.ranges(of: "<Block>").count, "more blocks than <Block> elements")
    }
}
