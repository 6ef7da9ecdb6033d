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
    /// Responses and first requests waiting for the disk too, in the order of their numbers.
    private var heldEffects: [(sequence: Int, effect: HeldEffect)] = []
    /// The sequence the disk was last asked about and has not answered yet, and the
    /// highest one anything waits for: one question at a time, so a burst of a thousand
    /// answers costs a few trips through the writer queue, not a thousand.
    private var probing: Int?
    private var wanted = 0

    /// The upload's newest `lastUpload` is owed from now on: its sequence number.
    mutating func oweLastUpload(of id: String) -> Int {
        let sequence = reserve()
        owedLastUploads[id] = sequence
        return sequence
    }

    /// Holds `upload` (told as `sequence`) until the disk has everything up to it.
    mutating func awaitDisk(_ upload: UploadRecord, sequence: Int) {
        awaitingDisk[upload.correlationId] = (sequence, upload)
    }

    func isAwaitingDisk(_ id: String) -> Bool { awaitingDisk[id] != nil }

    /// A sequence number taken now, to hold an effect under later (a command's answer
    /// is numbered before what the command does, so it goes out first).
    mutating func reserve() -> Int {
        sequence += 1
        return sequence
    }

    /// Holds `effect` until the disk has everything up to `sequence`.
    mutating func hold(_ effect: HeldEffect, as sequence: Int) {
        let index = heldEffects.firstIndex { $0.sequence > sequence } ?? heldEffects.endIndex
        heldEffects.insert((sequence, effect), at: index)
    }

    /// Whether to ask the disk now whether it holds everything up to `sequence`: not while
    /// an earlier question is open (its answer asks again for all that came meanwhile).
    mutating func needsProbe(for sequence: Int) -> Bool {
        wanted = max(wanted, sequence)
        guard probing == nil else { return false }
        probing = sequence
        return true
    }

    /// The disk answered for `sequence`: the next question to ask, if anything waits beyond it.
    mutating func probeAnswered(_ sequence: Int) -> Int? {
        guard probing == sequence else { return nil }
        probing = nil
        guard wanted > sequence else { return nil }
        probing = wanted
        return wanted
    }

    /// Everything up to `sequence` is on disk: what may go out now, in order.
    mutating func durable(through sequence: Int) -> [DurableRelease] {
        let due = awaitingDisk.filter { $0.value.sequence <= sequence }
        for (id, _) in due { awaitingDisk[id] = nil }
        let held = heldEffects.prefix { $0.sequence <= sequence }
        heldEffects.removeFirst(held.count)
        let released = due.map { (sequence: $0.value.sequence, release: DurableRelease.lastUpload($0.value.upload, sequence: $0.value.sequence)) }
            + held.map { (sequence: $0.sequence, release: DurableRelease.effect($0.effect)) }
        return released.sorted { $0.sequence < $1.sequence }.map(\.release)
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
