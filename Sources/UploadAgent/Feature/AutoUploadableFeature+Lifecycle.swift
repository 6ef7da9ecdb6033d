#if canImport(Glibc)
import Glibc
#endif

/// The status document and the graceful stop.
extension AutoUploadableFeature {
    /// Builds the status document (PROTOCOL.md section 8) and hands it to the writer.
    func writeStatus() {
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
            "uploads": .array(uploadOrder.compactMap { uploads[$0]?.statusValue }),
            "recent": .array(recent.map(\.statusValue)),
        ]
    }

    /// Stops taking commands and periodic runs, lets running uploads finish for up to
    /// `stopTimeout`, then cancels the rest (reported CANCELED).
    public func shutdown() async {
        accepting = false
        cancelSchedule()
        let deadline = environment.clock() + config.stopTimeout
        while !fileTasks.isEmpty && environment.clock() < deadline {
            try? await Task.sleep(for: .milliseconds(100))
        }
        let stopping = Array(fileTasks.values)
        for id in uploadOrder {
            logger.warning("upload \(id) cancelled: the agent is stopping")
            finish(id, state: .canceled, message: "the agent stopped before the upload finished")
        }
        writeStatus()
        // Let the cancelled uploads clean up on the server (S3 aborts its multipart
        // upload), but never hold the stop for longer than `cleanupTimeout`.
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for task in stopping { await task.value } }
            group.addTask { try? await Task.sleep(for: .seconds(Self.cleanupTimeout)) }
            await group.next()
            group.cancelAll()
        }
    }
}
