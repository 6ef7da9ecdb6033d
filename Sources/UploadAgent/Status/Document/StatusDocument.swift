/// The status file (PROTOCOL.md section 8): what the agent is doing, as of `agent.updatedAt`.
/// Written by `StatusFileWriter`, read by `file-upload-agent status` and by operators' tools.
struct StatusDocument: Encodable, Sendable {
    var agent: AgentStatus
    var mqtt: ConnectionStatus
    var thing: Nullable<ThingStatus>
    var feature: FeatureWindowStatus
    var uploads: [UploadStatus]
    var recent: [UploadStatus]
    var link: Nullable<LinkStatus>
}
