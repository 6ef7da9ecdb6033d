/// The `autoUpload` property: whether periodic uploads are on, and their window. An open
/// end is written as null, as Kanto does, not left out.
struct AutoUploadValue: Encodable, Sendable, Equatable {
    var active: Bool
    var startTime: Nullable<String>
    var endTime: Nullable<String>
}
