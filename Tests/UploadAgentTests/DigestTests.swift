import Testing
@testable import UploadAgent

@Suite struct DigestTests {
    @Test func md5AndSHA256OfKnownInput() {
        #expect(Digest.md5.hash(Array("abc".utf8)).hexString == "900150983cd24fb0d6963f7d28e17f72")
        #expect(Digest.sha256.hash(Array("abc".utf8)).hexString
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.md5.hash([UInt8]()).base64String == "1B2M2Y8AsgTpgAmY7PhCfg==")
    }

    @Test func hmacMatchesRFC4231Case2() {
        let mac = hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(mac.hexString == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }
}

@Suite struct DigestOffPoolTests {
    @Test func hashOffPoolMatchesAndCancels() async throws {
        let files = TemporaryFiles(["big.bin": 8 * 1024 * 1024])
        defer { files.remove() }
        let path = "\(files.directory)/big.bin"
        let direct = try Digest.md5.hash(file: path, length: 8 * 1024 * 1024)
        #expect(try await Digest.md5.hashOffPool(file: path, length: 8 * 1024 * 1024) == direct)
        let task = Task { () async throws -> [UInt8] in
            withUnsafeCurrentTask { $0?.cancel() }  // cancelled before the hashing starts: deterministic
            return try await Digest.sha256.hashOffPool(file: path, length: 8 * 1024 * 1024)
        }
        await #expect(throws: CancellationError.self) { try await task.value }
    }
}
