/// Signs S3 requests with AWS Signature Version 4 in our own code on libcrypto, so the
/// agent needs no AWS SDK. The clock is injected, which makes signatures reproducible in
/// tests (the AWS documentation examples are signed at 2013-05-24T00:00:00Z).
///
/// Every header already on the request is signed (besides a few that transports rewrite),
/// plus `host`, `x-amz-date`, `x-amz-content-sha256` and, for temporary credentials,
/// `x-amz-security-token`; the signer sets those headers itself.
public struct SigV4Signer: Sendable {
    /// The payload hash for bodies streamed from disk. A file range is read from disk
    /// once, while it is sent; hashing it first would mean reading every byte twice before
    /// the first byte goes out, which is what a server that drops silent uploads punishes.
    /// S3 accepts `UNSIGNED-PAYLOAD` over TLS; integrity then comes from `Content-MD5` and
    /// `x-amz-checksum-sha256` when checksums are on.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// Headers never signed: transports and proxies add or rewrite them.
    static let unsignedHeaderNames: Set<String> = [
        "authorization", "user-agent", "expect", "content-length", "transfer-encoding", "connection",
    ]

    public var credentials: AWSCredentials
    public var region: String
    public var service: String
    /// Seconds since 1970 (UTC).
    public var now: @Sendable () -> Double

    public init(credentials: AWSCredentials, region: String, service: String = "s3",
                now: @escaping @Sendable () -> Double) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.now = now
    }

    /// The SHA-256 of a body held in memory, in the form `x-amz-content-sha256` wants.
    public static func payloadHash(_ bytes: [UInt8]) -> String {
        Digest.sha256.hash(bytes).hexString
    }

    /// `request` with `Host`, `x-amz-date`, `x-amz-content-sha256`, the session token (if
    /// any) and `Authorization` set. `payloadHash` is the hex SHA-256 of the body or
    /// `unsignedPayload`.
    public func sign(_ request: HTTPRequest, payloadHash: String) -> HTTPRequest {
        var signed = request
        let signature = self.signature(for: &signed, payloadHash: payloadHash)
        signed.setHeader("Authorization", signature.authorization)
        return signed
    }

    /// Adds the headers SigV4 needs to `request` and computes the signature, without
    /// adding `Authorization`.
    public func signature(for request: inout HTTPRequest, payloadHash: String) -> SigV4Signature {
        let amzDate = Self.amzDate(secondsSince1970: now())
        let url = AWSRequestURL(request.url)
        request.setHeader("Host", url?.hostHeader ?? "")
        request.setHeader("x-amz-date", amzDate)
        request.setHeader("x-amz-content-sha256", payloadHash)
        if let token = credentials.sessionToken, !token.isEmpty {
            request.setHeader("x-amz-security-token", token)
        }

        var headerValues: [String: [String]] = [:]
        for (name, value) in request.headers {
            let lowered = name.lowercased()
            guard !Self.unsignedHeaderNames.contains(lowered) else { continue }
            headerValues[lowered, default: []].append(Self.normalizedHeaderValue(value))
        }
        let names = headerValues.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(headerValues[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")

        let canonicalRequest = [
            request.method.uppercased(),
            url?.path ?? "/",
            url?.canonicalQuery ?? "",
            canonicalHeaders,
            signedHeaders,
            payloadHash,
        ].joined(separator: "\n")

        let day = String(amzDate.prefix(8))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            Self.algorithm, amzDate, scope,
            Digest.sha256.hash(Array(canonicalRequest.utf8)).hexString,
        ].joined(separator: "\n")

        let signature = hmacSHA256(key: signingKey(day: day), message: Array(stringToSign.utf8)).hexString
        let authorization = "\(Self.algorithm) Credential=\(credentials.accessKeyId)/\(scope),"
            + "SignedHeaders=\(signedHeaders),Signature=\(signature)"
        return SigV4Signature(amzDate: amzDate, canonicalRequest: canonicalRequest, stringToSign: stringToSign,
                              signedHeaders: signedHeaders, signature: signature, authorization: authorization)
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request").
    func signingKey(day: String) -> [UInt8] {
        var key = hmacSHA256(key: Array("AWS4\(credentials.secretAccessKey)".utf8), message: Array(day.utf8))
        key = hmacSHA256(key: key, message: Array(region.utf8))
        key = hmacSHA256(key: key, message: Array(service.utf8))
        return hmacSHA256(key: key, message: Array("aws4_request".utf8))
    }

    /// Trims the value and collapses runs of spaces to one, as the canonical form wants.
    static func normalizedHeaderValue(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC: the RFC 3339 form without its separators.
    static func amzDate(secondsSince1970: Double) -> String {
        RFC3339.format(secondsSince1970).filter { $0 != "-" && $0 != ":" }
    }
}
