@testable import UploadAgent

/// The journal as a restarted agent reads it from a disk that may hold anything: framing
/// and checksums, record decoding, replay, and the registry with its running sums built
/// from the result, as `restore()` builds it.
enum JournalFuzzTarget: FuzzTarget {
    static let name = "journal"

    static func run(_ input: FuzzInput) {
        let contents = AppendLog.parse(input.bytes)
        precondition(contents.records.count + contents.damagedRecords <= input.bytes.count, "more records than bytes")
        let (entries, _) = JournalFile<JournalEntry>.decode(contents)
        let (state, _) = UploadJournal.replay(entries, damagedLines: contents.damagedLines, now: 0)
        for upload in state.uploads where !upload.state.isFinal {
            precondition(upload.fileIds.allSatisfy { state.files[$0] != nil }, "an unfinished upload lost a file record silently")
        }
        var registry = UploadRegistry()
        for upload in state.uploads {
            registry.insert(upload, files: upload.fileIds.compactMap { state.files[$0] })
            let progress = registry.upload(upload.correlationId)?.progress ?? 0
            precondition((0...100).contains(progress), "progress \(progress) out of range")
            _ = try? CompactJSONEncoder.encode(upload.lastUploadValue)
        }
    }
}
