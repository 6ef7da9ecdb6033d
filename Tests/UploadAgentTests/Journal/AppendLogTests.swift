import Synchronization
import Testing
@testable import UploadAgent
#if canImport(Glibc)
import Glibc
#endif

@Suite struct AppendLogTests {
    @Test func recordsRoundTripAndATornTailIsIgnored() {
        let framed = AppendLog.frame(Array("one".utf8)) + AppendLog.frame(Array("two".utf8)) + Array("0000".utf8)
        let contents = AppendLog.parse(framed)
        #expect(contents.records.map { String(decoding: $0, as: UTF8.self) } == ["one", "two"])
        #expect(contents.tornTail)
        #expect(contents.damagedRecords == 0)
    }

    @Test func aDamagedByteCostsOnlyItsRecord() {
        var framed = AppendLog.frame(Array("first".utf8)) + AppendLog.frame(Array("second".utf8)) + AppendLog.frame(Array("third".utf8))
        let index = framed.firstIndex(of: UInt8(ascii: "c"))!
        framed[index] = UInt8(ascii: "x")  // three bits: beyond repair
        let contents = AppendLog.parse(framed)
        #expect(contents.records.map { String(decoding: $0, as: UTF8.self) } == ["first", "third"])
        #expect(contents.damagedRecords == 1)
        #expect(contents.damagedLines.map { String(decoding: $0, as: UTF8.self).hasSuffix("sexond") } == [true])
    }

    @Test func aFlippedBitAnywhereIsPutBack() {
        let framed = AppendLog.frame(Array("first".utf8)) + AppendLog.frame(Array(#"{"second":"record"}"#.utf8)) + AppendLog.frame(Array("third".utf8))
        for position in framed.indices {
            for bit in 0..<8 {
                var bytes = framed
                bytes[position] ^= UInt8(1 << bit)
                let contents = AppendLog.parse(bytes)
                #expect(contents.records.map { String(decoding: $0, as: UTF8.self) } == ["first", #"{"second":"record"}"#, "third"],
                        "byte \(position) bit \(bit)")
                #expect(contents.damagedRecords == 0 && !contents.tornTail)  // (an upper-case hex digit needs no repair)
            }
        }
    }

    @Test func garbageNeverTraps() {
        for seed in 0..<200 {
            var generator = SeededRandom(seed: UInt64(seed))
            let bytes = (0..<Int.random(in: 0..<300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = AppendLog.parse(bytes)
        }
    }

    @Test func crcMatchesZlib() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test func appendsReachTheFileAndASnapshotReplacesIt() throws {
        let directory = TemporaryFiles([:])
        defer { directory.remove() }
        let handed = Mutex<(snapshot: [[UInt8]]?, records: [[UInt8]])>((nil, []))
        let log = AppendLog(path: "\(directory.directory)/log", mode: 0o600, onError: { _ in }) {
            handed.withLock { handed in defer { handed = (nil, []) }; return handed }
        }
        let append = { (text: String) in handed.withLock { $0.records.append(Array(text.utf8)) }; log.scheduleWrite() }
        let replace = { (texts: [String]) in handed.withLock { $0 = (texts.map { Array($0.utf8) }, []) }; log.scheduleWrite() }
        for n in 0..<100 { append("record \(n)") }
        log.sync()
        guard case .success(let contents) = AppendLog.read(path: log.path) else { Issue.record("unreadable"); return }
        #expect(contents.records.count == 100)
        #expect(log.size == contents.size)
        replace(["snapshot"])
        append("after")
        log.sync()
        guard case .success(let compacted) = AppendLog.read(path: log.path) else { Issue.record("unreadable"); return }
        #expect(compacted.records.map { String(decoding: $0, as: UTF8.self) } == ["snapshot", "after"])
        #expect(log.snapshotSize == Int64(AppendLog.frame(Array("snapshot".utf8)).count))
        var info = stat()
        stat(log.path, &info)
        #expect(info.st_mode & 0o777 == 0o600)
        replace([])
        log.sync()
        #expect(!FileCheck.exists(log.path))
    }
}
