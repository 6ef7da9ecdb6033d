#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libFuzzer's two entry points. The target comes from the environment (`FUZZ_TARGET`), so
/// one binary serves every parser; `FUZZ_TARGET=list` prints their names.
nonisolated(unsafe) private var selectedTarget: (any FuzzTarget.Type)?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<Int32>,
                             _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    let name = getenv("FUZZ_TARGET").map { String(cString: $0) } ?? ""
    if name == "list" {
        for target in FuzzTargets.all { print(target.name) }
        exit(0)
    }
    guard let target = FuzzTargets.named(name) else {
        let known = FuzzTargets.all.map { $0.name }.joined(separator: ", ")
        let message = Array("FUZZ_TARGET must name a target (\(known)); got '\(name)'\n".utf8)
        _ = write(2, message, message.count)
        exit(2)
    }
    selectedTarget = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    selectedTarget?.run(FuzzInput(bytes: bytes))
    return 0
}
