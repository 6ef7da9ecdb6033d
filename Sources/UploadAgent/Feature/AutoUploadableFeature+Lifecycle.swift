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
    /// and the next start resumes it.
    public func shutdown() async {
        accepting = false
        cancelSchedule()
        timers.cancel(.housekeeping)
        timers.cancel(.identityWarning)
        let clock = environment.clock
        let deadline = clock.uptime() + config.stopTimeout
        while pipeline.runningCount > 0 && clock.uptime() < deadline {
            try? await clock.sleep(for: 0.1)
        }
        suspending.set()
        let (running, queued) = pipeline.suspend()
        let stopping = running.map(\.transfer)
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
        // Let the transfers wind down, but never hold the stop for long.
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for task in stopping { await task.value } }
            group.addTask { try? await clock.sleep(for: Self.cleanupTimeout) }
            await group.next()
            group.cancelAll()
        }
        // The PAUSED statuses should reach the broker before the connection closes.
        let ackDeadline = clock.uptime() + Self.acknowledgementWait
        while connected && delivery.owesLastUpload && clock.uptime() < ackDeadline {
            try? await clock.sleep(for: 0.05)
        }
        if let journal {
            journal.compact(journalSnapshot())
            journal.sync()
        }
        credentials?.removeFileIfEmpty()
        credentials?.sync()
        writeStatus()
    }
}
