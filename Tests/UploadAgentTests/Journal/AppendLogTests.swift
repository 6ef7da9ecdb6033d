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

    /// A probe for durability (`whenWritten`) writes at once; the delayed write that was
    /// already waiting stays the only one. (It once left one more behind per probe: a
    /// stream of small files was synced every millisecond or two.)
    @Test func aWriteAskedForMeanwhileLeavesOneDelayedWriteWaiting() throws {
        let directory = TemporaryFiles([:])
        defer { directory.remove() }
        let queue = ManualWriterQueue()
        let handed = Mutex<[[UInt8]]>([])
        let log = AppendLog(path: "\(directory.directory)/log", mode: 0o600, queues: { _ in queue }, onError: { _ in }) {
            handed.withLock { records in defer { records = [] }; return (nil, records) }
        }
        let append = { (text: String) in handed.withLock { $0.append(Array(text.utf8)) }; log.scheduleWrite() }
        append("one")
        let probed = AtomicFlag()
        log.whenWritten { probed.set() }
        queue.runImmediate()
        #expect(probed.isSet)
        append("two")
        append("three")
        #expect(queue.delayedCount == 1, "one delayed write gathers what came after the probe")
        queue.runDelayed()
        guard case .success(let contents) = AppendLog.read(path: log.path) else { Issue.record("unreadable"); return }
        #expect(contents.records.map { String(decoding: $0, as: UTF8.self) } == ["one", "two", "three"])
        append("four")
        #expect(queue.delayedCount == 1, "once it ran, the next record schedules the next one")
    }
}

/// A writer queue that runs its work only when the test says: immediate and delayed apart.
private final class ManualWriterQueue: LogWriterQueue {
    private let work = Mutex<(immediate: [@Sendable () -> Void], delayed: [@Sendable () -> Void])>(([], []))

    func async(after delay: Double, _ work: @escaping @Sendable () -> Void) { self.work.withLock { $0.delayed.append(work) } }
    func async(_ work: @escaping @Sendable () -> Void) { self.work.withLock { $0.immediate.append(work) } }
    func sync(_ work: () -> Void) { work() }

    var delayedCount: Int { work.withLock { $0.delayed.count } }

    func runImmediate() {
        for item in work.withLock({ state in defer { state.immediate = [] }; return state.immediate }) { item() }
    }

    func runDelayed() {
        for item in work.withLock({ state in defer { state.delayed = [] }; return state.delayed }) { item() }
    }
}
