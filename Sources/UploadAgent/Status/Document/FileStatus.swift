/// A file row of an upload in the status file. `state` is QUEUED for a started file that
/// waits for a slot; `message` appears only when there is one.
struct FileStatus: Encodable, Sendable {
    var correlationId: String
    var path: String
    var size: Int64
    var transferred: Int64
    var state: String
    var attempts: Int
    var provider: Nullable<String>
    var message: String?
}
