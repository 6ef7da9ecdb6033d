/// The `autoUpload` property: whether periodic uploads are on, and their window. An open
/// end is written as null, as Kanto does, not left out.
struct AutoUploadValue: Encodable, Sendable, Equatable {
    var active: Bool
    var startTime: String?
    var endTime: String?

    enum CodingKeys: String, CodingKey { case active, startTime, endTime }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(active, forKey: .active)
        try container.encode(startTime, forKey: .startTime)
        try container.encode(endTime, forKey: .endTime)
    }
}
