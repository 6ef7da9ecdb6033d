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
        for id in uploadOrder {
            logger.warning("upload \(id) cancelled: the agent is stopping")
            finish(id, state: .canceled, message: "the agent stopped before the upload finished")
        }
        writeStatus()
    }
}
