@testable import UploadAgent

/// What the simulator checks inside the feature after each step.
extension FeatureCore {
    /// Uploads in line for requests that have files waiting for one and none in flight,
    /// while requests could go out: one upload's unanswered requests must never hold back
    /// another. (A new upload joins the line once its records are on disk.)
    func starvedUploads() -> [String] {
        guard connected, identity != nil, accepting, linkHold == nil else { return [] }
        return pipeline.requestOrder.filter { id in
            guard let upload = registry.upload(id), !upload.state.isFinal, upload.archive == nil else { return false }
            var waiting = false
            for fileId in upload.fileIds {
                if pipeline.phase(of: fileId) != nil { return false }
                if registry.file(fileId)?.state == .pending { waiting = true }
            }
            return waiting
        }
    }

    /// Where the journal on disk, replayed, differs from the live state (call when every
    /// write has run): the uploads and the state of each upload and file.
    func disagreement(withJournalAt path: String) -> String? {
        guard case .success(let contents) = AppendLog.read(path: path) else { return "the journal cannot be read" }
        let (entries, _) = JournalFile<JournalEntry>.decode(contents)
        let (replayed, _) = UploadJournal.replay(entries, damagedLines: contents.damagedLines, now: 0)
        let onDisk = Dictionary(replayed.uploads.map { ($0.correlationId, $0) }, uniquingKeysWith: { $1 })
        for id in registry.uploads.keys.sorted() {
            guard let live = registry.upload(id) else { continue }
            guard let stored = onDisk[id] else { return "upload \(id) is live (\(live.state)) but not in the journal" }
            if stored.state != live.state { return "upload \(id) is \(live.state), the journal says \(stored.state)" }
            for file in registry.files(of: live) where replayed.files[file.correlationId]?.state != file.state {
                return "file \(file.correlationId) is \(file.state), the journal says \(replayed.files[file.correlationId].map { "\($0.state)" } ?? "nothing")"
            }
        }
        if let extra = onDisk.keys.sorted().first(where: { registry.upload($0) == nil }) {
            return "the journal holds upload \(extra), which is not live"
        }
        return nil
    }

    /// What the feature still holds once everything ended and was acknowledged (nil:
    /// nothing beyond the recent rows): its memory is bounded by the uploads in flight.
    func leftovers() -> String? {
        var held: [String] = []
        if !registry.uploads.isEmpty { held.append("\(registry.uploads.count) upload(s) \(registry.uploads.keys.sorted())") }
        if pipeline.inFlight > 0 { held.append("\(pipeline.inFlight) file(s) in the pipeline") }
        if delivery.owesLastUpload { held.append("lastUpload owed for \(delivery.lastUploadsOwed)") }
        if !delivery.owedRequests.isEmpty { held.append("\(delivery.owedRequests.count) request(s) owed") }
        if recent.count > Self.maxRecent { held.append("\(recent.count) recent rows") }
        return held.isEmpty ? nil : held.joined(separator: "; ")
    }
}

extension AutoUploadableFeature {
    func starvedUploads() -> [String] { core.starvedUploads() }

    func journalDisagreement() -> String? { journal.flatMap { core.disagreement(withJournalAt: $0.path) } }

    func leftovers() -> String? { core.leftovers() }
}
