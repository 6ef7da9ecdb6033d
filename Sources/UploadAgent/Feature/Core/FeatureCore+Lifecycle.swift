/// The status document and the stop.
extension FeatureCore {
    /// Rebuilds the status file soon: at most every `ProgressPolicy.statusInterval`, however
    /// many events come in, so a busy agent does not serialise its state per event.
    mutating func scheduleStatus() {
        guard !timers.isArmed(.status) else { return }
        arm(.status, after: statusBuiltAt + Self.progressPolicy.statusInterval - time.uptime)
    }

    static var progressPolicy: ProgressPolicy { .standard }

    /// Builds the feature's part of the status document and hands it to the writer.
    mutating func writeStatus() {
        cancelTimer(.status)
        statusBuiltAt = time.uptime
        emit(.writeStatus(status()))
    }

    /// The feature's part of the status document (PROTOCOL.md section 8), as of now.
    func status() -> FeatureStatus {
        FeatureStatus(
            updatedAt: time.now,
            thing: identity.map { ThingStatus(deviceId: $0.thing.description, tenantId: $0.tenant) },
            feature: FeatureWindowStatus(
                id: config.featureId, active: schedule.isActive,
                startTime: Nullable(schedule.window?.from.map(RFC3339.format)),
                endTime: Nullable(schedule.window?.to.map(RFC3339.format)),
                period: GoDuration.format(config.period),
                nextRunAt: Nullable(schedule.nextRunAt.map(RFC3339.format))),
            uploads: registry.live.compactMap { id in
                registry.upload(id).map { upload in
                    upload.status(files: statusFiles(of: upload)) { fileId in
                        if case .queued? = pipeline.phase(of: fileId) { true } else { false }
                    }
                }
            },
            recent: recent.map(\.row))
    }

    /// The file rows of an upload in the status file: all of a small upload; of a large
    /// one, the files in flight (the counts by state say the rest).
    func statusFiles(of upload: UploadRecord) -> [FileRecord] {
        if upload.fileCount <= Self.maxStatusFiles { return registry.files(of: upload) }
        return pipeline.running.compactMap { registry.file($0) }
            .filter { $0.parentId == upload.correlationId }
            .sorted { $0.correlationId < $1.correlationId }
    }

    /// Stops taking commands and periodic runs and lets running uploads finish for up to
    /// `stopTimeout`. What still runs then is suspended, not cancelled: its transfer
    /// stops, the server keeps what it has, the upload is journaled and reported PAUSED,
    /// and the next start resumes it. `.stopped` comes once the PAUSED statuses were
    /// acknowledged (or could not be) and the state folder is synced. Events keep being
    /// handled meanwhile.
    mutating func beginStop() {
        guard stop == nil, accepting else { return }
        accepting = false
        cancelSchedule()
        cancelTimer(.housekeeping)
        cancelTimer(.identityWarning)
        stop = FeatureStop()
        arm(.stopPhase, after: config.stopTimeout)
        advanceStop()
    }

    /// Moves the stop on as far as it can: called when a transfer ends (`finished`), an
    /// acknowledgement comes, the link drops, or the phase's deadline passed.
    mutating func advanceStop(finished fileId: String? = nil, deadlinePassed: Bool = false) {
        guard var current = stop else { return }
        if case .windingDown(var waiting) = current.phase, let fileId {
            waiting.remove(fileId)
            current.phase = .windingDown(waiting)
        }
        var passed = deadlinePassed
        while passed || stopPhaseIsOver(current.phase) {
            passed = false
            switch current.phase {
            case .draining:
                current.phase = .windingDown(suspendUploads())
                arm(.stopPhase, after: Self.cleanupTimeout)
            case .windingDown:
                current.phase = .acknowledging
                arm(.stopPhase, after: Self.acknowledgementWait)
            case .acknowledging:
                stop = nil
                cancelTimer(.stopPhase)
                syncStateFolder()
                emit(.stopped)
                return
            }
        }
        stop = current
    }

    /// Whether the phase has nothing left to wait for.
    private func stopPhaseIsOver(_ phase: FeatureStop.Phase) -> Bool {
        switch phase {
        case .draining: pipeline.runningCount == 0
        // Let the transfers wind down, but never hold the stop for long (its deadline).
        case .windingDown(let waiting): waiting.isEmpty
        // The PAUSED statuses should reach the broker before the connection closes.
        case .acknowledging: !(connected && delivery.owesLastUpload)
        }
    }

    /// Suspends what still runs or waits for a slot (PAUSED, journaled); the files whose
    /// transfers were running.
    private mutating func suspendUploads() -> Set<String> {
        emit(.keepServerStateOnCancel)
        let (running, queued) = pipeline.suspend()
        for fileId in running {
            emit(.cancelTransfer(fileId: fileId))
            registry.updateFile(fileId) { $0.state = .paused }
            journalFile(fileId)
        }
        for fileId in queued {
            registry.updateFile(fileId) { $0.state = .paused }
            journalFile(fileId)
        }
        for id in registry.live where registry.upload(id)?.state == .uploading {
            registry.updateUpload(id) { $0.state = .paused }
            journalUpload(id)
            statusChanged(id)
            logger.notice("upload \(id) paused: the agent is stopping; it resumes at the next start")
        }
        writeStatus()
        return Set(running)
    }

    private mutating func syncStateFolder() {
        if durable { emit(.compactJournal(journalSnapshot())) }
        emit(.dropEmptyCredentialFile)
        emit(.syncState)
        writeStatus()
    }
}
