/// What may go out now that the disk holds everything up to its sequence number.
enum DurableRelease: Sendable {
    case lastUpload(UploadRecord, sequence: Int)
    case effect(HeldEffect)
}
