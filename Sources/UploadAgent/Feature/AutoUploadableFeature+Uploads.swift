import Logging
#if canImport(Glibc)
import Glibc
#endif

/// trigger, start and cancel: the life of an upload.
extension AutoUploadableFeature {
    func trigger(correlationId: String?, options: [String: String]) throws(OperationError) {
        guard let identity else { throw .failed("device identity not known yet") }
        expireUnstartedUploads()
        if config.singleUpload && !uploads.isEmpty && options["force"]?.lowercased() != "true" {
            throw .failed("another upload is running and 'singleUpload' is on (send options.force \"true\" to override)")
        }
        let paths = try selector.select(requestedGlob: options["upload.files"]).paths
        let id = correlationId ?? nextGeneratedId()
        guard uploads[id] == nil else { throw .badRequest("an upload with correlation ID '\(id)' is already running") }

        var files: [FileUpload] = []
        for (index, path) in paths.enumerated() {
            files.append(FileUpload(correlationId: "\(id)#\(index + 1)", path: path,
                                    size: FileCheck.regularFileSize(path) ?? 0))
        }
        let upload = Upload(correlationId: id, startTime: environment.clock(), files: files)
        uploads[id] = upload
        uploadOrder.append(id)
        for file in files { parentOfFile[file.correlationId] = id }
        logger.info("upload \(id) triggered: \(files.count) file(s)")
        statusChanged(id)

        var requestOptions = ["storage.providers": "aws, azure, generic"]
        for (key, value) in options where key.hasPrefix("options.") {
            requestOptions[String(key.dropFirst("options.".count))] = value
        }
        let messages = DittoMessages(thing: identity.thing, featureId: config.featureId)
        for file in files {
            var fileOptions = requestOptions
            fileOptions["file.path"] = file.path
            publishRequest(messages.uploadRequest(correlationId: file.correlationId, options: fileOptions,
                                                  tenant: identity.tenant))
        }
    }

    /// Ends uploads of which no file was ever started, once they waited longer than
    /// `unstartedTimeout`: a backend that never answers a request must not make the
    /// upload table grow with every periodic run, nor block `singleUpload` for ever.
    func expireUnstartedUploads() {
        let limit = max(config.period, Self.unstartedTimeout)
        let now = environment.clock()
        for id in uploadOrder {
            guard let upload = uploads[id], upload.files.allSatisfy({ $0.state == .pending }),
                  now - upload.startTime > limit else { continue }
            logger.warning("upload \(id) expired: no 'start' arrived within \(GoDuration.format(limit))")
            finish(id, state: .failed, message: "no 'start' arrived within \(GoDuration.format(limit))")
        }
    }

    func nextGeneratedId() -> String {
        var id: String
        repeat {
            id = "upload-id-\(nextUploadNumber)"
            nextUploadNumber += 1
        } while uploads[id] != nil
        return id
    }

    func start(fileId: String, options: [String: String]) throws(OperationError) {
        guard let parentId = parentOfFile[fileId], var upload = uploads[parentId],
              let index = upload.files.firstIndex(where: { $0.correlationId == fileId }) else {
            throw .notFound("upload with correlation ID '\(fileId)' not found")
        }
        guard upload.files[index].state == .pending else {
            throw .failed("upload '\(fileId)' already started")
        }
        let context = ProviderContext(
            config: config, network: environment.transport,
            deviceId: identity?.thing.description ?? config.deviceId, now: environment.clock,
            sleep: environment.sleep,
            onRetry: { [weak self] attempt, reason in
                Task { await self?.fileRetrying(fileId, attempt: attempt, reason: reason) }
            })
        let provider: any StorageProvider
        do {
            provider = try StorageProviders.make(options: options, context: context)
        } catch let error as InvalidStartOptions {
            throw .badRequest(error.message)
        } catch {
            throw .badRequest("\(error)")
        }
        // The size now, not at trigger time: a log may have grown while the backend
        // fetched credentials, and every byte present at start should go.
        guard let currentSize = FileCheck.regularFileSize(upload.files[index].path) else {
            throw .failed("\(upload.files[index].path) is no longer a regular file that can be read")
        }
        upload.files[index].size = currentSize
        let file = upload.files[index]
        upload.files[index].state = .uploading
        upload.files[index].provider = type(of: provider).name
        upload.files[index].attempts = 1
        upload.state = .uploading
        for (key, value) in options where key.hasPrefix("info.") {
            upload.info[String(key.dropFirst("info.".count))] = value
        }
        uploads[parentId] = upload
        logger.info("upload \(fileId) of \(file.path) started with provider \(type(of: provider).name)")
        statusChanged(parentId)

        let source = UploadSource(path: file.path, size: file.size)
        let relay = ProgressRelay(size: file.size) { [weak self] bytes in
            Task { await self?.fileProgress(fileId, bytes: bytes) }
        }
        let slots = self.slots
        fileTasks[fileId] = Task { [weak self] in
            let outcome: Result<Void, any Error>
            do {
                try await slots.acquire()
                do {
                    try await provider.upload(source, progress: { relay.report($0) })
                    outcome = .success(())
                } catch {
                    outcome = .failure(error)
                }
                await slots.release()
            } catch {
                outcome = .failure(error)
            }
            await self?.fileFinished(fileId, outcome)
        }
    }

    func fileProgress(_ fileId: String, bytes: Int64) {
        guard let parentId = parentOfFile[fileId], var upload = uploads[parentId],
              let index = upload.files.firstIndex(where: { $0.correlationId == fileId }),
              upload.files[index].state == .uploading, bytes > upload.files[index].transferred else { return }
        upload.files[index].transferred = min(bytes, upload.files[index].size)
        uploads[parentId] = upload
        statusChanged(parentId, onlyProgress: true)
    }

    func fileRetrying(_ fileId: String, attempt: Int, reason: String) {
        guard let parentId = parentOfFile[fileId], var upload = uploads[parentId],
              let index = upload.files.firstIndex(where: { $0.correlationId == fileId }) else { return }
        upload.files[index].attempts = max(upload.files[index].attempts, attempt)
        uploads[parentId] = upload
        logger.warning("upload \(fileId): attempt \(attempt) after: \(reason)")
        writeStatus()
    }

    func fileFinished(_ fileId: String, _ outcome: Result<Void, any Error>) {
        fileTasks[fileId] = nil
        guard let parentId = parentOfFile[fileId], var upload = uploads[parentId],
              let index = upload.files.firstIndex(where: { $0.correlationId == fileId }),
              upload.files[index].state == .uploading else { return }
        let path = upload.files[index].path
        switch outcome {
        case .success:
            upload.files[index].state = .success
            upload.files[index].transferred = upload.files[index].size
            logger.info("upload \(fileId) of \(path) succeeded")
            if config.delete {
                if FileCheck.regularFileSize(path) != upload.files[index].size {
                    logger.warning("kept \(path) although 'delete' is on: it changed while it was uploaded")
                } else if unlink(path) == 0 {
                    logger.info("deleted \(path) after its upload succeeded")
                } else {
                    logger.warning("could not delete \(path) after its upload: \(String(cString: strerror(errno)))")
                }
            }
            uploads[parentId] = upload
            if upload.files.allSatisfy({ $0.state == .success }) {
                finish(parentId, state: .success)
            } else {
                statusChanged(parentId, onlyProgress: true)
            }
        case .failure(let error):
            if error is CancellationError || (error as? TransferError)?.kind == .cancelled {
                upload.files[index].state = .canceled
                uploads[parentId] = upload
                statusChanged(parentId)
                return
            }
            let reason = (error as? UploadFailure)?.message ?? (error as? TransferError)?.message ?? "\(error)"
            upload.files[index].state = .failed
            upload.files[index].message = reason
            uploads[parentId] = upload
            logger.error("upload \(fileId) of \(path) failed: \(reason)")
            finish(parentId, state: .failed, message: "\(path): \(reason)")
        }
    }

    func cancel(id: String, statusCode: String, message: String) throws(OperationError) {
        let parentId: String
        if uploads[id] != nil {
            parentId = id
        } else if let parent = parentOfFile[id], uploads[parent] != nil {
            parentId = parent
        } else if recent.contains(where: { $0.correlationId == id || $0.files.contains { $0.correlationId == id } }) {
            return  // already finished: nothing left to cancel
        } else {
            throw .notFound("upload with correlation ID '\(id)' not found")
        }
        logger.info("upload \(parentId) cancelled by the backend")
        finish(parentId, state: .canceled, statusCode: statusCode, message: message)
    }

    /// Ends an upload: stops its running files, publishes the final `lastUpload` and
    /// moves it to `recent`.
    func finish(_ parentId: String, state: UploadState, statusCode: String = "", message: String = "") {
        guard var upload = uploads[parentId] else { return }
        for index in upload.files.indices where !upload.files[index].state.isFinal {
            fileTasks.removeValue(forKey: upload.files[index].correlationId)?.cancel()
            upload.files[index].state = .canceled
        }
        upload.state = state
        upload.statusCode = statusCode
        upload.message = message
        upload.endTime = environment.clock()
        uploads[parentId] = upload
        statusChanged(parentId)
        uploads[parentId] = nil
        uploadOrder.removeAll { $0 == parentId }
        for file in upload.files { parentOfFile[file.correlationId] = nil }
        recent.insert(upload, at: 0)
        if recent.count > Self.maxRecent { recent.removeLast(recent.count - Self.maxRecent) }
        writeStatus()
    }

    /// Publishes `lastUpload` when the state changed or the integer progress moved on,
    /// and rewrites the status file.
    func statusChanged(_ parentId: String, onlyProgress: Bool = false) {
        guard var upload = uploads[parentId] else { return }
        let progress = upload.progress
        if !onlyProgress || progress != upload.publishedProgress {
            upload.publishedProgress = progress
            uploads[parentId] = upload
            publishLastUpload(parentId, upload.lastUploadValue)
        }
        writeStatus()
    }
}
