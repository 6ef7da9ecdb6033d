/// One record of the credential store: the start options of a file, or their removal.
enum CredentialEntry: Codable, Sendable {
    case header(version: Int)
    case set(file: String, options: [String: String])
    case remove(file: String)
}
