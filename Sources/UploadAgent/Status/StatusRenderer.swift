/// The human form of the status document, for `file-upload-agent status`.
public enum StatusRenderer {
    public static func render(_ document: JSONValue, now: Double) -> String {
        String(decoding: document.serialized(pretty: true), as: UTF8.self) + "\n"
    }
}
