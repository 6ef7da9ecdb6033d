import Logging

/// Start-up from the journal: every upload that was running or waiting continues, the
/// activation window is back, and whatever the backend was not told is told again.
extension FeatureCore {
    /// Resumes from what the journal and the credential store held (the start options
    /// stored by file). Once, before the connection starts.
    mutating func restore(from state: JournalState, credentials: [String: [String: String]]) {
        if let persisted = state.window {
            schedule = ActivationSchedule(window: persisted.window, lastRun: persisted.lastRun)
        } else if state.windowRecorded {
            schedule.replace(with: nil)
        }
        if let reported = state.lastReported {
            latestReported = reported
        }
        nextUploadNumber = max(nextUploadNumber, state.nextUploadNumber ?? 0)
        var resumed = 0
        var renewing = 0
        var renewed: Set<String> = []
        var recovery = RecoveryLog(limit: Self.recoveryLinesShown)
        for var upload in state.uploads {
            var files = upload.fileIds.compactMap { state.files[$0] }
            for index in files.indices where files[index].deletePending {
                emit(.deleteUploaded(files[index], isArchive: upload.archive != nil, members: true, afterDisk: false))
                files[index].deletePending = false
            }
            if upload.state.isFinal {
                // Ended, but the backend may not have it yet: told again once connected,
                // and shown among the recent ones meanwhile.
                registry.insert(upload, files: files)
                if let ended = registry.upload(upload.correlationId) { remember(ended) }
                registry.releaseFiles(of: upload.correlationId)
                owe(upload)
                continue
            }
            for index in files.indices {
                switch files[index].state {
                case .uploading, .paused:
                    let id = files[index].correlationId
                    pipeline.markResumed(id)
                    if let options = credentials[id], StartOptionsExpiry.isValid(options, now: time.now),
                       let provider = try? makeProvider(for: id, options: options) {
                        files[index].state = .uploading
                        pipeline.queue(id, provider: provider, priority: upload.rank)
                        resumed += 1
                        recovery.note(files[index], renewing: false)
                    } else {
                        files[index].state = .pending
                        emit(.forgetCredentials(fileId: id))
                        renewed.insert(id)
                        pipeline.needsRenewal(id)
                        renewing += 1
                        recovery.note(files[index], renewing: true)
                    }
                default:
                    break
                }
            }
            if upload.state == .paused || files.contains(where: { $0.state == .uploading }) { upload.state = .uploading }
            registry.insert(upload, files: files)
            if let archive = files.first, isUnwrittenArchive(archive, of: upload) {
                writeArchive(upload.correlationId)  // the crash came before it was whole
            } else {
                enqueueRequests(of: upload)
            }
            owe(upload)
            finishIfDone(upload.correlationId)
        }
        if let reported = latestReported, let current = registry.upload(reported.upload.correlationId), current.state.isFinal {
            // Its end was journaled before it was sent, but the record of having sent it
            // may not have reached the disk: the registration must not take it back.
            latestReported = (current, current.wireProgress)
        }
        var staged: Set<String> = []
        for id in registry.live {
            guard let upload = registry.upload(id) else { continue }
            if upload.archive != nil, let archive = registry.file(upload.fileId(1)) { staged.insert(archive.path) }
            if upload.compress == true {
                for file in registry.files(of: upload) where !file.state.isFinal { staged.insert(compressedCopy(of: file.correlationId)) }
            }
        }
        emit(.sweepStage(keeping: staged))
        // Start options of files no upload resumes (their journal was damaged or lost, or
        // they ended just before a crash) are secrets with no use: they must not stay on disk.
        let orphaned = credentials.keys.filter { !renewed.contains($0) && registry.file($0)?.state != .uploading }
        for id in orphaned.sorted() { emit(.forgetCredentials(fileId: id)) }
        emit(.dropEmptyCredentialFile)
        if !orphaned.isEmpty {
            logger.notice("state folder: removed the stored start options of \(orphaned.count) file(s) no unfinished upload needs")
        }
        emit(.compactJournal(journalSnapshot()))
        for line in recovery.lines { logger.notice("\(line)") }
        if !state.uploads.isEmpty {
            logger.notice("journal: \(registry.live.count) unfinished upload(s); \(resumed) file(s) resume with their credentials, \(renewing) ask the backend for new ones")
        }
        // An operator's evidence after a power cut: on disk before any upload starts, not
        // at journald's next sync minutes later.
        emit(.syncLog)
    }

    /// Files named one by one at start-up; the rest are counted in one line.
    static var recoveryLinesShown: Int { 20 }

    /// Marks the upload's status as owed to the backend (sent once connected).
    private mutating func owe(_ upload: UploadRecord) {
        _ = delivery.oweLastUpload(of: upload.correlationId)
    }

    /// The whole live state as journal records: the compacted journal.
    func journalSnapshot() -> [JournalEntry] {
        var entries: [JournalEntry] = [.window(schedule.persisted)]
        let finished = registry.uploads.keys.filter { !registry.live.contains($0) }.sorted()
        for id in registry.live + finished {
            guard let upload = registry.upload(id) else { continue }
            entries.append(.upload(upload))
            for file in registry.files(of: upload) { entries.append(.file(file)) }
        }
        if let latestReported {
            entries.append(.lastReported(upload: latestReported.upload, progress: latestReported.progress))
        }
        entries.append(.nextUploadNumber(nextUploadNumber))
        return entries
    }
}
