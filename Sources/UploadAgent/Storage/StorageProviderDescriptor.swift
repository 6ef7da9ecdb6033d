/// What the rest of the agent knows of one storage provider, declared once beside it: the
/// advertised provider list, the redactor, the expiry check before a resume and the
/// `upload` command's help all read these, so a new provider restates none of them.
public struct StorageProviderDescriptor: Sendable {
    /// The name the backend sends in `storage.provider` and the agent advertises.
    public let name: String
    /// Start options whose values are secrets: scrubbed from any line, message or file.
    public let secretOptionKeys: [String]
    /// When the credentials in a file's start options stop working (seconds since the
    /// epoch), where the options say so (a pre-signed URL, a SAS); nil when they do not.
    public let expiry: @Sendable (_ options: [String: String]) -> Double?

    public init(name: String, secretOptionKeys: [String] = [],
                expiry: @escaping @Sendable (_ options: [String: String]) -> Double? = { _ in nil }) {
        self.name = name
        self.secretOptionKeys = secretOptionKeys
        self.expiry = expiry
    }
}
