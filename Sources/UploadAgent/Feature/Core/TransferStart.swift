/// A started file's transfer as the core decided it: where the bytes come from, what the
/// server already holds, and the descriptors to keep open until it ends.
struct TransferStart: Sendable {
    var item: ReadyUpload
    var source: UploadSource
    var resumingFrom: ServerProgress?
    var holding: [OpenedFile]
}
