/// The ETag S3 gives an object completed from parts: the MD5 of the parts' binary MD5s,
/// a dash and the part count (`"<hex>-3"`). An object with the ETag computed from the
/// part ETags an upload recorded holds exactly those parts, so a restarted agent can tell
/// that its CompleteMultipartUpload went through before it could journal the answer.
enum S3MultipartETag {
    /// Nil when a part's ETag is not a plain MD5 (SSE-KMS and some S3-compatible stores):
    /// then nothing can be concluded.
    static func of(partETags: [String]) -> String? {
        var digests: [UInt8] = []
        for etag in partETags {
            guard let digest = md5Bytes(etag) else { return nil }
            digests += digest
        }
        guard !partETags.isEmpty else { return nil }
        return "\"\(Digest.md5.hash(digests).hexString)-\(partETags.count)\""
    }

    /// The 16 bytes of a quoted hex MD5 ETag.
    private static func md5Bytes(_ etag: String) -> [UInt8]? {
        let hex = Array(etag.trimmingCharacters(in: "\"").utf8)
        guard hex.count == 32 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for index in stride(from: 0, to: 32, by: 2) {
            guard let byte = UInt8(String(decoding: hex[index...index + 1], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
