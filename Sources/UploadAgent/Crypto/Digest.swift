import COpenSSL
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// MD5 and SHA-256 from OpenSSL's libcrypto, which libcurl already loads: integrity
/// checks and request signing cost no extra library.
public enum Digest: Sendable {
    case md5
    case sha256

    private var algorithm: OpaquePointer? {
        switch self {
        case .md5: return EVP_md5()
        case .sha256: return EVP_sha256()
        }
    }

    /// The digest of `bytes`.
    public func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let context = Context(self)
        context.update(Array(bytes))
        return context.finish()
    }

    /// The digest of `length` bytes of the file at `path` from `offset`, read in 64 KiB
    /// pieces so memory stays flat. Throws when the file is shorter or unreadable.
    public func hash(file path: String, offset: Int64 = 0, length: Int64,
                     isCancelled: () -> Bool = { false }) throws(UploadFailure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw UploadFailure("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let context = Context(self)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var position = offset
        var remaining = length
        while remaining > 0 {
            if isCancelled() { throw UploadFailure("hashing \(path) was cancelled") }
            let wanted = Int(min(Int64(buffer.count), remaining))
            let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, wanted, off_t(position)) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { throw UploadFailure("cannot read \(path): file ended early or read failed") }
            context.update(buffer[0..<got])
            position += Int64(got)
            remaining -= Int64(got)
        }
        return context.finish()
    }

    /// `hash(file:)` on a dispatch thread: hashing gigabytes blocks for seconds, and on a
    /// two-core gateway that would stall Swift's cooperative pool (commands, cancels and
    /// the systemd watchdog). Cancelling the task stops the reading.
    public func hashOffPool(file path: String, offset: Int64 = 0, length: Int64) async throws -> [UInt8] {
        let cancelled = Atomic<Bool>(false)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                Self.queue.async {
                    do throws(UploadFailure) {
                        continuation.resume(returning: try hash(file: path, offset: offset, length: length,
                                                                isCancelled: { cancelled.load(ordering: .relaxed) }))
                    } catch {
                        continuation.resume(throwing: cancelled.load(ordering: .relaxed) ? CancellationError() : error)
                    }
                }
            }
        } onCancel: {
            cancelled.store(true, ordering: .relaxed)
        }
    }

    /// Its own queue, so blocking reads get threads of their own.
    private static let queue = DispatchQueue(label: "file-digests", attributes: .concurrent)

    /// An incremental digest, for hashing bytes as they stream past.
    public final class Context: @unchecked Sendable {
        private let context: OpaquePointer?

        public init(_ digest: Digest) {
            context = EVP_MD_CTX_new()
            EVP_DigestInit_ex(context, digest.algorithm, nil)
        }

        deinit { EVP_MD_CTX_free(context) }

        public func update(_ bytes: some Collection<UInt8>) {
            bytes.withContiguousStorageIfAvailable { buffer in
                _ = EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
            } ?? Array(bytes).withUnsafeBytes { buffer in
                _ = EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
            }
        }

        public func finish() -> [UInt8] {
            var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
            var length: UInt32 = 0
            EVP_DigestFinal_ex(context, &output, &length)
            return Array(output.prefix(Int(length)))
        }
    }
}

/// HMAC-SHA256, the primitive of AWS Signature Version 4.
public func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
    var output = [UInt8](repeating: 0, count: 32)
    var length: UInt32 = 0
    _ = HMAC(EVP_sha256(), key, Int32(key.count), message, message.count, &output, &length)
    return Array(output.prefix(Int(length)))
}
