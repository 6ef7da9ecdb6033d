/// The status file's `agent`: which process wrote it, and when.
struct AgentStatus: Encodable, Sendable {
    var version: String
    var pid: Int32
    var startedAt: String
    var updatedAt: String
}
