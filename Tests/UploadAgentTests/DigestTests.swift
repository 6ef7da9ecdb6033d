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
