/// The feature's part of the status document (PROTOCOL.md section 8): the thing, the
/// feature and its window, the uploads and the recent ones. The agent adds what only it
/// knows (its pid, the broker connection, the link) when it writes the file.
struct FeatureStatus: Sendable {
    var updatedAt: Double
    var thing: ThingStatus?
    var feature: FeatureWindowStatus
    var uploads: [UploadStatus]
    var recent: [UploadStatus]
}
