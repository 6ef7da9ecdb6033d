import Testing
@testable import UploadAgent

/// One flipped bit anywhere in the journal costs at most the record it lands in, and an
/// upload that record was about is still accounted for: resumed from older sound records
/// or FAILED with a message saying the state was damaged, never gone.
@Suite struct JournalDamageTests {
    struct Sample {
        var entries: [JournalEntry] = []
        var lines: [[UInt8]] = []
        /// The byte range of each line, newline included.
        var ranges: [Range<Int>] = []
        var bytes: [UInt8] { lines.flatMap { $0 } }
    }

    func sample() throws -> Sample {
        var running = UploadRecord(correlationId: "trig-1", startTime: 1_700_000_000, fileCount: 2)
        running.state = .uploading
        var ended = UploadRecord(correlationId: "trig-2", startTime: 1_700_000_100, fileCount: 1)
        ended.state = .failed
        ended.message = "/var/log/c.log: HTTP 403"
        ended.endTime = 1_700_000_200
        let first = FileRecord(correlationId: "trig-1#1", parentId: "trig-1", path: "/var/log/a.log", size: 100)
        let second = FileRecord(correlationId: "trig-1#2", parentId: "trig-1", path: "/var/log/b.log", size: 20 << 20)
        var firstDone = first
        firstDone.state = .success
        firstDone.transferred = 100
        var secondRunning = second
        secondRunning.state = .uploading
        secondRunning.serverProgress = .s3Multipart(S3MultipartState(uploadId: "u-1", bucket: "b", key: "k", fileSize: 20 << 20,
                                                                     partSize: 8 << 20, completedParts: [1: "\"e1\""]))
        var failed = FileRecord(correlationId: "trig-2#1", parentId: "trig-2", path: "/var/log/c.log", size: 5)
        failed.state = .failed
        var sample = Sample()
        sample.entries = [
            .header(version: UploadJournal.version),
            .window(PersistedWindow(window: ActivationWindow(from: 1, to: nil, period: 60), lastRun: 5)),
            .upload(running), .file(first), .file(second), .file(firstDone), .file(secondRunning),
            .upload(ended), .file(failed), .lastReported(upload: ended, progress: 0),
        ]
        var offset = 0
        for entry in sample.entries {
            let line = AppendLog.frame(try CompactJSONEncoder.encode(entry))
            sample.lines.append(line)
            sample.ranges.append(offset..<offset + line.count)
            offset += line.count
        }
        return sample
    }

    func replay(_ bytes: [UInt8]) -> JournalState {
        let contents = AppendLog.parse(bytes)
        let (entries, _) = JournalFile<JournalEntry>.decode(contents)
        return UploadJournal.replay(entries, damagedLines: contents.damagedLines, now: 1_800_000_000).0
    }

    @Test func anUndamagedJournalReplaysAsWritten() throws {
        let sample = try sample()
        let state = replay(sample.bytes)
        #expect(state.uploads.map(\.correlationId) == ["trig-1", "trig-2"])
        #expect(state.files["trig-1#1"]?.state == .success)
        #expect(state.files["trig-1#2"]?.serverProgress != nil)
    }

    @Test func aFlippedBitAnywhereCostsNothing() throws {
        let sample = try sample()
        let original = sample.bytes
        let intact = replay(original)
        for position in original.indices {
            for bit in 0..<8 {
                var bytes = original
                bytes[position] ^= UInt8(1 << bit)
                let state = replay(bytes)
                #expect(state.uploads == intact.uploads && state.files == intact.files && state.window == intact.window,
                        "byte \(position) bit \(bit)")
            }
        }
    }

    /// Damage beyond repair (a run of bytes overwritten) in each record in turn: what the
    /// other records say stands, and every upload is still there, resumed or FAILED.
    @Test func recordsBeyondRepairCostOnlyThemselves() throws {
        let sample = try sample()
        var newest: [String: Int] = [:]
        for (index, entry) in sample.entries.enumerated() {
            if let key = entry.coalescingKey { newest[key] = index }
        }
        for damaged in sample.ranges.indices {
            for offset in stride(from: 0, to: sample.ranges[damaged].count - 1, by: 7) {
                var bytes = sample.bytes
                let start = sample.ranges[damaged].lowerBound + offset
                for index in start..<min(start + 6, sample.ranges[damaged].upperBound - 1) { bytes[index] = UInt8(ascii: "X") }
                let state = replay(bytes)
                let place = "record \(damaged) offset \(offset)"
                let ids = Set(state.uploads.map(\.correlationId))
                #expect(ids.isSuperset(of: ["trig-1", "trig-2"]), "an upload vanished at \(place)")
                for upload in state.uploads where !upload.state.isFinal {
                    #expect(upload.fileIds.allSatisfy { state.files[$0] != nil }, "a file vanished at \(place)")
                }
                for (key, index) in newest where index != damaged {
                    switch sample.entries[index] {
                    case .upload(let upload):
                        #expect(state.uploads.first { $0.correlationId == upload.correlationId } == upload, "sound \(key) lost at \(place)")
                    case .file(let file):
                        if newest["u:" + file.parentId] != damaged {
                            #expect(state.files[file.correlationId] == file, "sound \(key) lost at \(place)")
                        }
                    case .window(let window):
                        #expect(state.window == window, "sound window lost at \(place)")
                    default:
                        break
                    }
                }
                if damaged == newest["u:trig-1"] {
                    // Its only record was damaged: known from its files, FAILED, saying so.
                    let upload = state.uploads.first { $0.correlationId == "trig-1" }
                    #expect(upload?.state == .failed && upload?.message == JournalState.lostUploadMessage, "at \(place)")
                }
            }
        }
    }

    @Test func anUploadKnownOnlyFromADamagedRecordIsReportedFailed() throws {
        var upload = UploadRecord(correlationId: "lonely", startTime: 1, fileCount: 0)
        upload.state = .uploading
        var line = AppendLog.frame(try CompactJSONEncoder.encode(JournalEntry.upload(upload)))
        line[0] = line[0] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")  // the checksum no longer holds
        let header = AppendLog.frame(try CompactJSONEncoder.encode(JournalEntry.header(version: UploadJournal.version)))
        let state = replay(header + line)
        #expect(state.uploads.map(\.correlationId) == ["lonely"])
        #expect(state.uploads.first?.state == .failed)
        #expect(state.uploads.first?.endTime == 1_800_000_000)
    }

    @Test func aDamagedRecordOfAnAcknowledgedEndCostsNothing() throws {
        var upload = UploadRecord(correlationId: "done", startTime: 1, fileCount: 0)
        upload.state = .success
        var line = AppendLog.frame(try CompactJSONEncoder.encode(JournalEntry.upload(upload)))
        line[0] = line[0] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        let removal = AppendLog.frame(try CompactJSONEncoder.encode(JournalEntry.removeUpload(id: "done")))
        let reported = AppendLog.frame(try CompactJSONEncoder.encode(JournalEntry.lastReported(upload: upload, progress: 100)))
        var damagedReport = reported
        damagedReport[2] ^= 1
        #expect(replay(line + removal).uploads.isEmpty)
        #expect(replay(damagedReport).uploads.isEmpty, "a damaged record of what was last told names no upload to report")
    }
}
