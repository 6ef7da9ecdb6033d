import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The way of each file from request to result: requests go out just in time (a window
/// ahead of the free upload slots), started files wait in order for a slot, and each
/// running file reports progress, server confirmations and its outcome back here.
extension FeatureCore {
    /// Starts waiting files while slots are free, then tops up the requests: up to the
    /// window (`RequestWindow`, sized to the measured latency), and beyond it one request
    /// for every upload that has none out or waiting, so requests one upload leaves
    /// unanswered never hold back another.
    mutating func pump() {
        // In line: a file the slots do not admit yet keeps the ones behind it waiting.
        while linkHold == nil, let first = pipeline.firstQueued(),
              uploadSlots.admits(size: slotSize(of: first), running: pipeline.runningCount),
              let next = pipeline.nextQueued() {
            launch(next)
        }
        guard connected, identity != nil, accepting else { return }
        let limit = uploadSlots.inFlightLimit(window: requestWindow.size, running: pipeline.runningCount)
        var shares: [String: Int]?
        while true {
            let full = pipeline.inFlight >= limit
            if full && shares == nil { shares = pipeline.shares { registry.file($0)?.parentId } }
            if full && InjectedFault.windowNotShared.isInjected { break }
            guard let fileId = nextFileToRequest(beyondWindow: full ? shares : nil) else { break }
            if full, let parent = registry.file(fileId)?.parentId { shares?[parent, default: 0] += 1 }
            sendRequest(fileId)
        }
        ensureHousekeeping()
    }

    /// The size the upload slots judge a file by. A file to be gzipped first counts as
    /// large whatever its size: its copy is written on a thread of its own, work for the
    /// CPU, which more at once would not speed up.
    func slotSize(of fileId: String) -> Int64 {
        guard let file = registry.file(fileId), registry.upload(file.parentId)?.compress != true else { return .max }
        return file.size
    }

    /// The next file that needs a request: renewals first, then new files in trigger order.
    /// With `beyondWindow` (the window is full), only a first file of an upload that has
    /// none in the window (share 0).
    mutating func nextFileToRequest(beyondWindow shares: [String: Int]? = nil) -> String? {
        if shares == nil {
            while let fileId = pipeline.nextRenewal() {
                if registry.file(fileId)?.state == .pending { return fileId }
            }
        }
        var index = 0
        while index < pipeline.requestOrder.count {
            let parentId = pipeline.requestOrder[index]
            guard let upload = registry.upload(parentId), !upload.state.isFinal else {
                pipeline.requestOrder.remove(at: index)
                continue
            }
            if let shares, shares[parentId, default: 0] > 0 {
                index += 1
                continue
            }
            var number = upload.nextToRequest
            defer { registry.updateUpload(parentId) { $0.nextToRequest = number } }
            while number <= upload.fileCount {
                let fileId = upload.fileId(number)
                number += 1
                if registry.file(fileId)?.state == .pending, pipeline.phase(of: fileId) == nil { return fileId }
            }
            pipeline.requestOrder.remove(at: index)
        }
        return nil
    }

    mutating func sendRequest(_ fileId: String) {
        pipeline.requested(fileId, at: time.now)
        delivery.oweRequest(fileId)
        publishRequest(fileId)
    }

    /// Publishes the outbox request of one file (again, after a reconnect).
    mutating func publishRequest(_ fileId: String) {
        guard connected, let identity, let file = registry.file(fileId),
              let upload = registry.upload(file.parentId) else { return }
        var options = upload.requestOptions
        options["storage.providers"] = StorageProviders.requested
        options["file.path"] = upload.compress == true ? file.path + ".gz" : file.path
        let request = DittoMessages(thing: identity.thing, featureId: config.featureId)
            .uploadRequest(correlationId: fileId, options: options, tenant: identity.tenant)
        emit(.publish(topic: "e", payload: request.bytes, tracking: .request(fileId: fileId)))
    }

    /// Opens and checks the file, then runs its upload on a task of its own (with
    /// `upload.compress`, once its gzip copy is written).
    mutating func launch(_ item: ReadyUpload) {
        let fileId = item.fileId
        guard let file = registry.file(fileId), file.state == .uploading, case .queued? = pipeline.phase(of: fileId) else { return }
        let opened: OpenedFile
        do {
            opened = try reads.open(file.path)
        } catch {
            fileFailed(fileId, reason: error.message)
            return
        }
        if let checked = file.identity, !opened.identity.isSameFile(as: checked), opened.realPath != file.path {
            // The name now leads, through a link, to another file than the one whose real
            // path was checked: never follow a link swapped in after the check.
            fileFailed(fileId, reason: "it now leads through a link to another file than the one selected; not uploaded")
            return
        }
        let change = file.identity.map { FileChange(from: $0, to: opened.identity) } ?? .unchanged
        if let held = file.serverProgress, let recorded = file.identity, !change.keepsSelectedBytes {
            // The server holds bytes of the old contents: never an object half old, half
            // new. What it holds is given up, not left behind.
            emit(.discard(held, of: UploadSource(path: file.path, size: file.size), with: item.provider))
            fileFailed(fileId, reason: change.resumeRefusal(selectedSize: recorded.size))
            return
        }
        let compress = registry.upload(file.parentId)?.compress == true
        let started = registry.updateFile(fileId) { file in
            // An active log goes out as it was selected: its first N bytes (N journaled),
            // also when a resume finds it longer. Any other change before its first byte
            // went out takes the file as it is now, as Kanto does.
            if !change.keepsSelectedBytes || file.identity == nil { file.identity = opened.identity }
            if !compress { file.size = file.identity!.size }
            file.transferred = min(file.transferred, file.size)
        }!
        if started != file { journalFile(fileId) }
        if case .grew(let size) = change {
            logger.info("upload \(fileId) of \(file.path): the file grew to \(size) bytes since it was selected; its first \(started.identity!.size) bytes are uploaded, a later upload takes the rest")
        }
        if compress {
            compressThenTransfer(item, opened: opened)
        } else {
            transfer(item, source: UploadSource(path: started.path, size: started.size, readPath: opened.readPath), holding: [opened])
        }
    }

    /// Runs the transfer of a started file; `holding` keeps its descriptor open until it ends.
    mutating func transfer(_ item: ReadyUpload, source: UploadSource, holding: [OpenedFile]) {
        let fileId = item.fileId
        guard let file = registry.file(fileId), file.state == .uploading else { return }
        let resuming = file.serverProgress
        if let resuming {
            logger.info("upload \(fileId) of \(file.path) resumes: the server holds \(resuming.confirmedBytes) of \(file.size) bytes")
        } else if pipeline.resumed.contains(fileId) {
            logger.info("upload \(fileId) of \(file.path) starts again from byte 0: the server confirmed none of it before the agent stopped (a single PUT cannot resume); the progress told to the backend holds until this run passes it")
        }
        pipeline.launched(fileId, since: time.now)
        emit(.transfer(TransferStart(item: item, source: source, resumingFrom: resuming, holding: holding)))
    }

    mutating func fileProgress(_ fileId: String, bytes: Int64) {
        guard let file = registry.file(fileId), file.state == .uploading, bytes > file.transferred else { return }
        registry.updateFile(fileId) { $0.transferred = min(bytes, $0.size) }
        statusChanged(file.parentId, onlyProgress: true)
    }

    /// The server confirmed more of the file (a part, a block, a chunk): journaled, so a
    /// restart resumes from here.
    mutating func serverConfirmed(_ fileId: String, _ progress: ServerProgress?) {
        guard let file = registry.file(fileId), file.state == .uploading, file.serverProgress != progress else { return }
        registry.updateFile(fileId) { $0.serverProgress = progress }
        journalFile(fileId)
    }

    mutating func fileRetrying(_ fileId: String, attempt: Int, reason: String) {
        guard registry.file(fileId) != nil else { return }
        registry.updateFile(fileId) { $0.attempts = max($0.attempts, attempt) }
        logger.warning("upload \(fileId): attempt \(attempt) after: \(reason)")
        scheduleStatus()
    }

    mutating func fileFinished(_ fileId: String, _ outcome: Result<Void, UploadError>) {
        let launched = pipeline.finished(fileId)
        defer {
            pump()
            advanceStop(finished: fileId)
        }
        guard let file = registry.file(fileId), file.state == .uploading else { return }
        switch outcome {
        case .success:
            if let launched { requestWindow.uploaded(in: time.now - launched) }
            pipeline.remove(fileId)
            let deletes = config.delete
            registry.updateFile(fileId) { file in
                file.state = .success
                file.transferred = file.size
                file.serverProgress = nil
                file.deletePending = deletes
            }
            journalFile(fileId)
            emit(.forgetCredentials(fileId: fileId))
            dropCompressedCopy(file)
            // One line per file at debug: a 10,000-file trigger would otherwise flood the
            // journal (and hit its rate limit); the upload's end is logged at info.
            logger.debug("upload \(fileId) of \(file.path) succeeded")
            let isArchive = registry.upload(file.parentId)?.archive != nil
            if config.delete || isArchive, let done = registry.file(fileId) {
                // Only once SUCCESS is on disk: a crash in between must not leave a
                // deleted file whose upload the journal still calls unfinished.
                emit(.deleteUploaded(done, isArchive: isArchive, members: config.delete, afterDisk: durable))
            }
            statusChanged(file.parentId, onlyProgress: true)
            finishIfDone(file.parentId)
        case .failure(.cancelled):
            return  // cancelled by the backend (already CANCELED) or suspended (PAUSED)
        case .failure(.credentialsRefused(let reason)):
            // A resume may outlive its credentials; a first attempt with refused ones fails
            // as in Kanto, so a backend that sent bad ones hears of it at once.
            let isResume = file.serverProgress != nil || pipeline.resumed.contains(fileId)
            if isResume, file.credentialRenewals < Self.maxCredentialRenewals {
                renewCredentials(fileId, because: reason)
            } else {
                fileFailed(fileId, reason: reason)
            }
        case .failure(.failed(let reason)):
            fileFailed(fileId, reason: reason)
        }
    }

    /// The server refused the credentials (expired, revoked): ask the backend for new ones
    /// with a new request for the same file; its `start` resumes what the server holds.
    mutating func renewCredentials(_ fileId: String, because reason: String) {
        guard let file = registry.updateFile(fileId, { file in
            file.state = .pending
            file.credentialRenewals += 1
        }) else { return }
        emit(.forgetCredentials(fileId: fileId))
        journalFile(fileId)
        pipeline.needsRenewal(fileId)
        logger.warning("upload \(fileId) of \(file.path): the server refused its credentials (\(reason)); asking the backend for new ones")
        scheduleStatus()
    }

    /// Ends one file as FAILED; the others of its upload go on.
    mutating func fileFailed(_ fileId: String, reason: String) {
        guard let file = registry.updateFile(fileId, { file in
            file.state = .failed
            file.message = reason
        }) else { return }
        dropFromPipeline(fileId)
        emit(.forgetCredentials(fileId: fileId))
        dropCompressedCopy(file)
        journalFile(fileId)
        logger.error("upload \(fileId) of \(file.path) failed: \(reason)")
        // The parent's state changes only when it ends (finishIfDone), not per failed file.
        statusChanged(file.parentId, onlyProgress: true)
        finishIfDone(file.parentId)
    }

    /// Takes the file out of the pipeline; a transfer it still runs is cancelled.
    mutating func dropFromPipeline(_ fileId: String) {
        if pipeline.remove(fileId) { emit(.cancelTransfer(fileId: fileId)) }
    }

    // MARK: - Housekeeping

    /// A once-a-second round while uploads exist: requests that waited too long fail,
    /// and the journal is compacted once it has grown well past what it describes.
    mutating func ensureHousekeeping() {
        guard !timers.isArmed(.housekeeping), accepting else { return }
        arm(.housekeeping, after: 1)
    }

    /// Returns whether another round is needed.
    mutating func housekeep() -> Bool {
        followLinkHold()
        expireRequests()
        compactJournalIfNeeded()
        emit(.dropEmptyCredentialFile)
        return accepting && (!registry.live.isEmpty || pipeline.requestedCount > 0)
    }

    mutating func expireRequests() {
        guard connected else { return }  // a request cannot be answered while we are offline
        let expired = pipeline.requested(before: time.now - config.requestTimeout)
        for fileId in expired.sorted() {
            fileFailed(fileId, reason: "the backend sent no 'start' for it within \(GoDuration.format(config.requestTimeout)) of its upload request")
        }
        if !expired.isEmpty { pump() }
    }

    mutating func compactJournalIfNeeded() {
        if durable { emit(.compactJournalIfNeeded) }
    }
}
