#if canImport(Glibc)
import Glibc
#endif

/// The MD5 of a whole file, computed piece by piece with pauses for other tasks, so that
/// it can run beside the block uploads (Azure wants it on the commit) instead of holding
/// back the first byte until a large file is read through.
enum AzureFileMD5 {
    static let pieceSize = 1024 * 1024

    static func compute(path: String, size: Int64) async throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw UploadFailure("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let context = Digest.Context(.md5)
        var buffer = [UInt8](repeating: 0, count: pieceSize)
        var position: Int64 = 0
        while position < size {
            try Task.checkCancellation()
            let wanted = Int(min(Int64(pieceSize), size - position))
            let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, wanted, off_t(position)) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { throw UploadFailure("cannot read \(path): file ended early or read failed") }
            context.update(buffer[0..<got])
            position += Int64(got)
            await Task.yield()
        }
        return context.finish()
    }
}
