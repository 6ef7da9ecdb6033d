#if canImport(Glibc)
import Glibc
#endif

/// Writes a line to stderr with write(2): safe from any thread, no shared FILE state.
public enum StandardError {
    public static func write(_ line: String) {
        var text = line
        if !text.hasSuffix("\n") { text += "\n" }
        text.utf8CString.withUnsafeBufferPointer { buffer in
            _ = Glibc.write(2, buffer.baseAddress, buffer.count - 1)
        }
    }
}
