/// What the backend is owed: every upload whose newest `lastUpload` the broker has not
/// acknowledged (PUBACK), every request not acknowledged, the messages in flight that
/// settle them, and the `lastUpload` values that wait for the state folder to be on disk
/// before they may go out at all. Nothing leaves it but by an acknowledgement (or, for a
/// request, its answer), so nothing is forgotten across reconnects; the journal brings the
/// owed statuses back after a restart.
struct DeliveryLedger: Sendable {
    /// Published and not yet acknowledged, by message id; cleared when the connection
    /// changes (the broker forgets them, the owed items are sent again).
    private var inFlight: [Int32: Delivery] = [:]
    /// Uploads whose newest `lastUpload` is owed, with its sequence number.
    private var owedLastUploads: [String: Int] = [:]
    private var sequence = 0
    /// Files whose request was handed to the client and not acknowledged.
    private(set) var owedRequests: Set<String> = []
    /// `lastUpload` values waiting for the disk (one per upload: a newer replaces an older),
    /// with their sequence numbers. The backend may act on what it is told (bill, delete,
    /// notify), so it is never told a state a power cut could take back.
    private var awaitingDisk: [String: (sequence: Int, upload: UploadRecord)] = [:]

    /// The upload's newest `lastUpload` is owed from now on: its sequence number.
    mutating func oweLastUpload(of id: String) -> Int {
        sequence += 1
        owedLastUploads[id] = sequence
        return sequence
    }

    /// Holds `upload` (told as `sequence`) until the disk has everything up to it.
    mutating func awaitDisk(_ upload: UploadRecord, sequence: Int) {
        awaitingDisk[upload.correlationId] = (sequence, upload)
    }

    func isAwaitingDisk(_ id: String) -> Bool { awaitingDisk[id] != nil }

    /// Everything up to `sequence` is on disk: the values that may go out now, in order.
    mutating func durable(through sequence: Int) -> [(upload: UploadRecord, sequence: Int)] {
        let due = awaitingDisk.filter { $0.value.sequence <= sequence }.sorted { $0.value.sequence < $1.value.sequence }
        for (id, _) in due { awaitingDisk[id] = nil }
        return due.map { ($0.value.upload, $0.value.sequence) }
    }

    /// Uploads whose newest `lastUpload` is owed, in the order they were told.
    var lastUploadsOwed: [String] { owedLastUploads.sorted { $0.value < $1.value }.map(\.key) }

    var owesLastUpload: Bool { !owedLastUploads.isEmpty }

    mutating func oweRequest(_ fileId: String) { owedRequests.insert(fileId) }

    /// The request was answered (or its upload ended): nothing to send again.
    mutating func forgetRequest(_ fileId: String) { owedRequests.remove(fileId) }

    /// The client took the message as `messageId`: its PUBACK settles `delivery`.
    mutating func published(_ delivery: Delivery, as messageId: Int32) { inFlight[messageId] = delivery }

    /// Connected or disconnected: message ids of the old connection settle nothing.
    mutating func connectionChanged() { inFlight = [:] }

    /// A PUBACK: the upload whose newest `lastUpload` it settled, if it did.
    mutating func acknowledged(_ messageId: Int32) -> String? {
        switch inFlight.removeValue(forKey: messageId) {
        case .lastUpload(let parentId, let sequence)?:
            guard owedLastUploads[parentId] == sequence else { return nil }  // a newer one is owed
            owedLastUploads[parentId] = nil
            return parentId
        case .request(let fileId)?:
            owedRequests.remove(fileId)
            return nil
        case nil:
            return nil
        }
    }
}
