/// The `lastUpload` property as Kanto sends it (PROTOCOL.md section 4): every state before
/// the end is UPLOADING, `endTime` is Kanto's zero time until the end, `statusCode` a string.
struct LastUploadValue: Codable, Sendable, Equatable {
    var correlationId: String
    var state: String
    var startTime: String
    var endTime: String
    var statusCode: String
    var message: String
    var progress: Int
    var info: [String: String]
    var archive: ArchiveInfo?
}
