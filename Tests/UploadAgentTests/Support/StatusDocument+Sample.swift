@testable import UploadAgent

extension ConnectionStatus {
    static let sample = ConnectionStatus(broker: "tcp://localhost:1883", connected: true, lastError: Nullable(nil), reconnects: 0)
}

extension StatusDocument {
    /// A status document with one running upload of two files and nothing optional set.
    static func sample(updatedAt: String = "2026-12-07T10:00:00Z") -> StatusDocument {
        let file = FileStatus(correlationId: "up#1", path: "/var/log/a.log", size: 10, transferred: 4, state: "UPLOADING",
                              attempts: 1, provider: Nullable("generic"), message: nil)
        let queued = FileStatus(correlationId: "up#2", path: "/var/log/b.log", size: 6, transferred: 0, state: "QUEUED",
                                attempts: 0, provider: Nullable(nil), message: nil)
        let upload = UploadStatus(correlationId: "up", state: "UPLOADING", progress: 25, startTime: "2026-12-07T09:59:00Z",
                                  endTime: Nullable(nil), statusCode: "", message: "", fileCount: 2,
                                  fileStates: FileStateCounts(counts: [(.pending, 1), (.uploading, 1)]),
                                  files: [file, queued], refused: nil, archive: nil)
        return StatusDocument(
            agent: AgentStatus(version: "test", pid: 42, startedAt: "2026-12-07T09:00:00Z", updatedAt: updatedAt),
            mqtt: .sample, thing: Nullable(nil),
            feature: FeatureWindowStatus(id: "AutoUploadable", active: false, startTime: Nullable(nil), endTime: Nullable(nil),
                                         period: "10h0m0s", nextRunAt: Nullable(nil)),
            uploads: [upload], recent: [], link: Nullable(nil))
    }
}
