#if canImport(Glibc)
import Glibc
#endif

/// A temporary file with known bytes, removed when the test drops it.
final class AzureTestFile {
    let path: String
    let bytes: [UInt8]

    init(size: Int, name: String = "azure-test.bin") {
        var generator = SystemRandomNumberGenerator()
        bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
        var template = Array("/tmp/azure-unit-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        path = directory + "/" + name
        let file = fopen(path, "wb")!
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, bytes.count, file) }
        fclose(file)
    }

    deinit {
        unlink(path)
        rmdir(String(path[..<path.lastIndex(of: "/")!]))
    }
}
