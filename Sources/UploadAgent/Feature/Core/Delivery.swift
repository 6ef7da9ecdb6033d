/// What a published message was, so its acknowledgement (PUBACK) settles the right debt.
enum Delivery: Sendable, Equatable {
    case lastUpload(parentId: String, sequence: Int)
    case request(fileId: String)
}
