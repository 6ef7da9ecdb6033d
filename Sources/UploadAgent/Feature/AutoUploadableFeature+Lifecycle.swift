#if canImport(Glibc)
import Glibc
#endif

/// The status document and the stop.
extension AutoUploadableFeature {
    /// Rebuilds the status file soon: at most every `ProgressPolicy.statusInterval`, however
    /// many events come in, so a busy agent does not serialise its state per event.
    func scheduleStatus() {
        guard !timers.isArmed(.status) else { return }
        timers.arm(.status, after: statusBuiltAt + Self.progressPolicy.statusInterval - environment.clock.uptime())
    }

    static var progressPolicy: ProgressPolicy { .standard }

    /// Builds the status document (PROTOCOL.md section 8) and hands it to the writer.
    func writeStatus() {
        timers.cancel(.status)
        statusBuiltAt = environment.clock.uptime()
        environment.statusSink(statusDocument())
    }

    func statusDocument() -> JSONValue {
        let now = environment.clock.now()
        return [
            "agent": [
                "version": .string(AgentVersion.current), "pid": .number(Double(getpid())),
                "startedAt": .string(RFC3339.format(startedAt)), "updatedAt": .string(RFC3339.format(now)),
            ],
            "mqtt": environment.connectionStatus(),
            "thing": identity.map { ["deviceId": .string($0.thing.description), "tenantId": .string($0.tenant)] } ?? .null,
            "feature": [
                "id": .string(config.featureId), "active": .bool(schedule.isActive),
                "startTime": schedule.window?.from.map { .string(RFC3339.format($0)) } ?? .null,
                "endTime": schedule.window?.to.map { .string(RFC3339.format($0)) } ?? .null,
                "period": .string(GoDuration.format(config.period)),
                "nextRunAt": schedule.nextRunAt.map { .string(RFC3339.format($0)) } ?? .null,
            ],
            "uploads": .array(registry.live.compactMap { id in
                registry.upload(id).map { upload in
                    upload.statusValue(files: statusFiles(of: upload)) { fileId in
                        if case .queued? = pipeline.phase(of: fileId) { true } else { false }
                    }
                }
            }),
            "recent": .array(recent.map(\.row)),
            "link": linkStatus(),
        ]
    }

    /// The file rows of an upload in the status file: all of a small upload; of a large
    /// one, the files in flight (the counts by state say the rest).
    func statusFiles(of upload: UploadRecord) -> [FileRecord] {
        if upload.fileCount <= Self.maxStatusFiles { return registry.files(of: upload) }
        return pipeline.running.compactMap { registry.file($0.fileId) }
            .filter { $0.parentId == upload.correlationId }
            .sorted { $0.correlationId < $1.correlationId }
    }

    /// Stops taking commands and periodic runs and lets running uploads finish for up to
    /// `stopTimeout`. What still runs then is suspended, not cancelled: its transfer
    /// stops, the server keeps what it has, the upload is journaled and reported PAUSED,
    /// and the next start resumes it. Returns once the PAUSED statuses were acknowledged
    /// (or could not be) and the state folder is synced; events keep being handled meanwhile.
    public func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            beginStop { continuation.resume() }
        }
    }

    /// Starts the stop; `finished` runs once it is complete (at once for a second call).
    func beginStop(finished: @escaping @Sendable () -> Void) {
        guard stop == nil, accepting else { return finished() }
        accepting = false
        cancelSchedule()
        timers.cancel(.housekeeping)
        timers.cancel(.identityWarning)
        stop = FeatureStop(finished: finished)
        timers.arm(.stopPhase, after: config.stopTimeout)
        advanceStop()
    }

    /// Moves the stop on as far as it can: called when a transfer ends (`finished`), an
    /// acknowledgement comes, the link drops, or the phase's deadline passed.
    func advanceStop(finished fileId: String? = nil, deadlinePassed: Bool = false) {
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
                timers.arm(.stopPhase, after: Self.cleanupTimeout)
            case .windingDown:
                current.phase = .acknowledging
                timers.arm(.stopPhase, after: Self.acknowledgementWait)
            case .acknowledging:
                stop = nil
                timers.cancel(.stopPhase)
                syncStateFolder()
                current.finished()
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
    private func suspendUploads() -> Set<String> {
        suspending.set()
        let (running, queued) = pipeline.suspend()
        for (fileId, transfer) in running {
            transfer.cancel()
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
        return Set(running.map(\.fileId))
    }

    private func syncStateFolder() {
        if let journal {
            journal.compact(journalSnapshot())
            journal.sync()
        }
        credentials?.removeFileIfEmpty()
        credentials?.sync()
        writeStatus()
    }
}
