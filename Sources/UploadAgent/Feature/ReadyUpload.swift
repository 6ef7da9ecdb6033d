/// A started file waiting for a free upload slot, with the provider its `start` made.
struct ReadyUpload: Sendable {
    var fileId: String
    var provider: any StorageProvider
}
