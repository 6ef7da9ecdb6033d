/// Every intermediate of one SigV4 signing, kept so tests can compare each step with the
/// published AWS examples and botocore, and a mismatch says which step is wrong.
public struct SigV4Signature: Sendable, Equatable {
    public var amzDate: String
    public var canonicalRequest: String
    public var stringToSign: String
    /// Lower-case header names, sorted, joined with ";".
    public var signedHeaders: String
    /// Lower-case hex HMAC-SHA256.
    public var signature: String
    /// The value of the `Authorization` header.
    public var authorization: String
}
