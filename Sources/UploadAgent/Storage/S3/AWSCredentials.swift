/// The key pair (and, for temporary credentials, the session token) that signs S3
/// requests. Its description never shows the secret or the token, so a credentials value
/// that slips into a log line or an error message leaks nothing.
public struct AWSCredentials: Sendable, CustomStringConvertible {
    public var accessKeyId: String
    public var secretAccessKey: String
    /// Present for temporary (STS) credentials; sent as `x-amz-security-token`.
    public var sessionToken: String?

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// The secrets this value holds, for scrubbing text that came from elsewhere.
    var secrets: [String] { [secretAccessKey, sessionToken].compactMap { $0 }.filter { !$0.isEmpty } }

    public var description: String {
        "AWSCredentials(accessKeyId: \(accessKeyId), secretAccessKey: <redacted>\(sessionToken == nil ? "" : ", sessionToken: <redacted>"))"
    }
}
