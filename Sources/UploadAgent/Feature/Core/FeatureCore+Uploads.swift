import Logging
#if canImport(Glibc)
import Glibc
#endif

/// trigger, start and cancel: the life of an upload as the backend drives it.
extension FeatureCore {
    mutating func trigger(correlationId: String?, options: [String: String]) throws(OperationError) {
        guard identity != nil else { throw .failed("device identity not known yet") }
        // As Kanto: only an upload that is really uploading blocks a new one.
        if config.singleUpload && options["force"]?.lowercased() != "true",
           registry.live.contains(where: { registry.upload($0)?.state == .uploading }) {
            throw .failed("another upload is running and 'singleUpload' is on (send options.force \"true\" to override)")
        }
        let chosen = try SelectionOptions.parse(options, defaults: config.selectionDefaults, now: time.now)
        let matched = try reads.select(requestedGlob: options["upload.files"])
        let selection = try chosen.filter.apply(to: matched, pattern: options["upload.files"] ?? config.files)
        let id = correlationId ?? nextGeneratedId()
        guard registry.upload(id) == nil else { throw .badRequest("an upload with correlation ID '\(id)' is already running") }

        var upload = UploadRecord(correlationId: id, startTime: time.now, fileCount: selection.files.count)
        upload.refused = selection.refused.prefix(UploadRecord.maxRefusedShown).map { RefusedFile(path: $0.path, reason: $0.reason) }
        if chosen.priority != 0 { upload.priority = chosen.priority }
        if chosen.compress { upload.compress = true }
        for (key, value) in options where key.hasPrefix("options.") {
            upload.requestOptions[String(key.dropFirst("options.".count))] = value
        }
        if let format = chosen.archive {
            let (archive, manifest) = stageArchive(of: selection, format: format, glob: options["upload.files"] ?? config.files, upload: &upload)
            registry.insert(upload, files: [archive])
            record(.upload(upload))
            record(.file(archive))
            logger.info("upload \(id) triggered: \(selection.files.count) file(s) into the archive \(archive.path)")
            writeArchive(id, manifest: manifest, saveManifest: true)
            statusChanged(id)
            return
        }
        var files: [FileRecord] = []
        files.reserveCapacity(selection.files.count)
        for (index, selected) in selection.files.enumerated() {
            // The identity of the file whose real path was checked: the upload compares.
            files.append(FileRecord(correlationId: upload.fileId(index + 1), parentId: id, path: selected.path,
                                    size: selected.identity.size, identity: selected.identity))
        }
        registry.insert(upload, files: files)
        record(.upload(upload))
        if durable { emit(.journal(files.map(JournalEntry.file))) }
        afterDisk(.requests(uploadId: id))
        let leftOut = selection.refused.isEmpty ? "" : ", \(selection.refused.count) left out (see the status file)"
        logger.info("upload \(id) triggered: \(files.count) file(s)\(leftOut)")
        statusChanged(id)
    }

    /// Puts the upload's files in line for their requests: after those of equal or higher
    /// priority, before lower ones.
    mutating func enqueueRequests(of upload: UploadRecord) {
        let order = pipeline.requestOrder
        let position = order.firstIndex { (registry.upload($0)?.rank ?? 0) < upload.rank } ?? order.endIndex
        pipeline.requestOrder.insert(upload.correlationId, at: position)
    }

    mutating func nextGeneratedId() -> String {
        var id: String
        repeat {
            id = "upload-id-\(nextUploadNumber)"
            nextUploadNumber += 1
        } while registry.upload(id) != nil
        record(.nextUploadNumber(nextUploadNumber))
        return id
    }

    mutating func start(fileId: String, options: [String: String]) throws(OperationError) {
        guard let file = registry.file(fileId), let upload = registry.upload(file.parentId), !upload.state.isFinal else {
            throw .notFound("upload with correlation ID '\(fileId)' not found")
        }
        guard file.state == .pending else {
            throw .failed("upload '\(fileId)' already started")
        }
        let provider = try makeProvider(for: fileId, options: options)
        if let requestedAt = pipeline.answered(fileId) {
            requestWindow.answered(after: time.now - requestedAt)
        }
        delivery.forgetRequest(fileId)
        // As Kanto: a file gone before its start is answered 204 and fails in `lastUpload`.
        guard reads.regularFileSize(file.path) != nil else {
            fileFailed(fileId, reason: "no longer a regular file that can be read")
            return
        }
        registry.updateFile(fileId) { file in
            file.state = .uploading
            file.provider = type(of: provider).name
            file.attempts = max(1, file.attempts)
            file.message = ""
        }
        followLinkHold()
        let held = heldState()
        let updated = registry.updateUpload(file.parentId) { upload in
            if held.state == .paused || upload.state == .paused {
                (upload.state, upload.message) = held
            } else {
                upload.state = .uploading
            }
            for (key, value) in options where key.hasPrefix("info.") {
                upload.info[String(key.dropFirst("info.".count))] = value
            }
        }
        let changed = updated?.state != upload.state || updated?.info != upload.info || updated?.message != upload.message
        emit(.storeCredentials(fileId: fileId, options: options))
        journalFile(fileId)
        if changed { journalUpload(file.parentId) }
        pipeline.queue(fileId, provider: provider, priority: upload.rank)
        logger.debug("upload \(fileId) of \(file.path) started with provider \(type(of: provider).name)")
        // The parent's status changes with its first start (or new info), not every one.
        statusChanged(file.parentId, onlyProgress: !changed)
    }

    /// The provider the start options ask for; a bad option is the backend's error (400).
    func makeProvider(for fileId: String, options: [String: String]) throws(OperationError) -> any StorageProvider {
        do {
            return try makeStorageProvider(fileId, options, identity?.thing.description ?? config.deviceId)
        } catch let error as InvalidStartOptions {
            throw .badRequest(error.message)
        } catch {
            throw .badRequest("\(error)")
        }
    }

    mutating func cancel(id: String, statusCode: String, message: String) throws(OperationError) {
        let parentId: String
        if let upload = registry.upload(id) {
            parentId = upload.correlationId
        } else if let parent = registry.parentId(ofFile: id) {
            parentId = parent
        } else if recent.contains(where: { id == $0.id || id.hasPrefix($0.id + "#") }) {
            return  // already finished: nothing left to cancel
        } else {
            throw .notFound("upload with correlation ID '\(id)' not found")
        }
        guard let upload = registry.upload(parentId), !upload.state.isFinal else { return }
        logger.info("upload \(parentId) cancelled by the backend")
        finish(parentId, state: .canceled, statusCode: statusCode, message: message)
    }

    /// Ends an upload: stops its files that still run or wait, publishes the final
    /// `lastUpload` (kept until acknowledged) and moves it to `recent`.
    mutating func finish(_ parentId: String, state: UploadState, statusCode: String = "", message: String = "") {
        guard let upload = registry.upload(parentId), !upload.state.isFinal else { return }
        for fileId in upload.fileIds {
            guard let file = registry.file(fileId), !file.state.isFinal else { continue }
            dropFromPipeline(fileId)
            delivery.forgetRequest(fileId)
            emit(.forgetCredentials(fileId: fileId))
            dropCompressedCopy(file)
            registry.updateFile(fileId) { $0.state = .canceled }
            journalFile(fileId)
        }
        let ended = registry.updateUpload(parentId) { upload in
            upload.state = state
            upload.statusCode = statusCode
            upload.message = message
            upload.endTime = time.now
        }!
        if state != .success { dropArchive(of: ended) }
        logEnd(of: ended)
        remember(ended)
        registry.releaseFiles(of: parentId)
        pipeline.requestOrder.removeAll { $0 == parentId }
        // The credentials leave the disk before the backend hears of the end.
        emit(.dropEmptyCredentialFile)
        publishLastUpload(ended)
        scheduleStatus()
    }

    /// Puts an ended upload first among the recent ones of the status file (the newest
    /// `maxRecent` are kept).
    mutating func remember(_ ended: UploadRecord) {
        recent.insert((ended.correlationId, ended.status(files: statusFiles(of: ended))), at: 0)
        if recent.count > Self.maxRecent { recent.removeLast(recent.count - Self.maxRecent) }
    }

    /// One line per upload: how it ended and what became of its files.
    func logEnd(of upload: UploadRecord) {
        let counts = [UploadState.success, .failed, .canceled].compactMap { state in
            let count = upload.totals.count(state)
            return count > 0 ? "\(count) \(state.rawValue.lowercased())" : nil
        }
        let files = counts.isEmpty ? "no files" : counts.joined(separator: ", ")
        let message = upload.message.isEmpty ? "" : ": \(upload.message)"
        let line = "upload \(upload.correlationId) ended \(upload.state.rawValue) (\(upload.fileCount) file(s): \(files))\(message)"
        if upload.state == .failed { logger.warning("\(line)") } else { logger.info("\(line)") }
    }

    /// Ends the upload once every file has: FAILED when any failed (naming the first),
    /// CANCELED when any was cancelled, SUCCESS otherwise.
    mutating func finishIfDone(_ parentId: String) {
        guard let upload = registry.upload(parentId), !upload.state.isFinal,
              upload.totals.finished == upload.fileCount else { return }
        let failures = upload.totals.count(.failed)
        if failures > 0 {
            let first = registry.files(of: upload).first { $0.state == .failed }
            var message = first.map { "\($0.path): \($0.message)" } ?? "a file failed"
            if failures > 1 { message += " (and \(failures - 1) more file(s) failed)" }
            finish(parentId, state: .failed, message: message)
        } else if upload.totals.count(.canceled) > 0 {
            finish(parentId, state: .canceled, message: "some files were cancelled")
        } else {
            finish(parentId, state: .success)
        }
    }

    /// Publishes `lastUpload` when the state changed or the integer progress moved on,
    /// and schedules a status file update.
    mutating func statusChanged(_ parentId: String, onlyProgress: Bool = false) {
        guard let upload = registry.upload(parentId) else { return }
        let progress = upload.wireProgress
        if Self.progressPolicy.tellsBackend(progress: progress, published: upload.publishedProgress, onlyProgress: onlyProgress) {
            registry.updateUpload(parentId) { $0.publishedProgress = progress }
            publishLastUpload(upload)
        }
        scheduleStatus()
    }

    mutating func journalFile(_ fileId: String) {
        if durable, let file = registry.file(fileId) { emit(.journal([.file(file)])) }
    }

    mutating func journalUpload(_ parentId: String) {
        if durable, let upload = registry.upload(parentId) { emit(.journal([.upload(upload)])) }
    }
}
