/// What waits for the journal to be on disk before it goes out, like a `lastUpload`: a
/// backend told "done" (204) or asked for a file must never meet, after a power cut, an
/// agent that forgot the command or the upload.
enum HeldEffect: Sendable, Equatable {
    /// The answer to a command, once what the command changed is on disk.
    case response(topic: String, payload: [UInt8])
    /// A new upload's files may be requested: its records are on disk.
    case requests(uploadId: String)
}
