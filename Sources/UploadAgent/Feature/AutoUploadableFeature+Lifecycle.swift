#if canImport(Glibc)
import Glibc
#endif

/// The status document and the stop.
extension AutoUploadableFeature {
    /// Rebuilds the status file soon: at most every `statusInterval`, however many events
    /// come in, so a busy agent does not serialise its state per event.
    func scheduleStatus() {
        guard !statusScheduled else { return }
        statusScheduled = true
        let delay = max(0, statusBuiltAt + Self.statusInterval - monotonicSeconds())
        Task { [weak self] in
            if delay > 0 { try? await Task.sleep(for: .seconds(delay)) }
            await self?.writeStatus()
        }
    }

    static var statusInterval: Double { 0.2 }

    /// Builds the status document (PROTOCOL.md section 8) and hands it to the writer.
    func writeStatus() {
        statusScheduled = false
        statusBuiltAt = monotonicSeconds()
        environment.statusSink(statusDocument())
    }

    func statusDocument() -> JSONValue {
        let now = environment.clock()
        return [
            "agent": [
                "version": .string(AgentVersion.current), "pid": .number(Double(getpid())),
                "startedAt": .string(RFC3339.format(startedAt)), "updatedAt": .string(RFC3339.format(now)),
            ],
            "mqtt": environment.connectionStatus(),
            "thing": identity.map { ["deviceId": .string($0.thing.description), "tenantId": .string($0.tenant)] } ?? .null,
            "feature": [
                "id": .string(config.featureId), "active": .bool(window != nil),
                "startTime": window?.from.map { .string(RFC3339.format($0)) } ?? .null,
                "endTime": window?.to.map { .string(RFC3339.format($0)) } ?? .null,
                "period": .string(GoDuration.format(config.period)),
                "nextRunAt": nextRunAt.map { .string(RFC3339.format($0)) } ?? .null,
            ],
            "uploads": .array(registry.live.compactMap { id in
                registry.upload(id).map { $0.statusValue(files: statusFiles(of: $0)) }
            }),
            "recent": .array(recent.map(\.row)),
            "link": linkStatus(),
        ]
    }

    /// The file rows of an upload in the status file: all of a small upload; of a large
    /// one, the files in flight (the counts by state say the rest).
    func statusFiles(of upload: UploadRecord) -> [FileRecord] {
        if upload.fileCount <= Self.maxStatusFiles { return registry.files(of: upload) }
        return running.keys.compactMap { registry.file($0) }
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
        housekeeping?.cancel()
        identityWarning?.cancel()
        identityWarning = nil
        housekeeping = nil
        let deadline = environment.clock() + config.stopTimeout
        while !running.isEmpty && environment.clock() < deadline {
            try? await Task.sleep(for: .milliseconds(100))
        }
        suspending.set()
        let stopping = Array(running.values)
        for (fileId, task) in running {
            task.cancel()
            registry.updateFile(fileId) { $0.state = .paused }
            journalFile(fileId)
        }
        while let waiting = ready.popFirst() {
            registry.updateFile(waiting.fileId) { $0.state = .paused }
            journalFile(waiting.fileId)
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
            group.addTask { try? await Task.sleep(for: .seconds(Self.cleanupTimeout)) }
            await group.next()
            group.cancelAll()
        }
        // The PAUSED statuses should reach the broker before the connection closes.
        let ackDeadline = environment.clock() + Self.acknowledgementWait
        while connected && !undeliveredLastUpload.isEmpty && environment.clock() < ackDeadline {
            try? await Task.sleep(for: .milliseconds(50))
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
