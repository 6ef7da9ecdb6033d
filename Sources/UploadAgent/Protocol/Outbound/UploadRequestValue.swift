/// The value of an outbox `request`: the file's id and the options the backend needs to
/// choose storage and sign its credentials.
struct UploadRequestValue: Encodable, Sendable {
    var correlationId: String
    var options: [String: String]
}
