/// Where each file in flight is on its way from request to result: exactly one phase per
/// file, kept in one place. A file without a phase here either waits for its first request
/// (its upload is in `requestOrder` and the registry calls it PENDING) or has ended (the
/// registry says how). The orders (renewals first, then uploads by rank; started files by
/// priority) are indexes over the phases: an entry whose phase moved on is skipped.
struct FilePipeline: Sendable {
    enum Phase: Sendable {
        /// Its credentials were refused or expired: its new request goes out before new files'.
        case awaitingRenewal
        /// Its request is out (or, while offline, waits to be sent again); no `start` yet.
        case requested(at: Double)
        /// Started; waits for a free upload slot with the provider its `start` made.
        case queued(any StorageProvider)
        /// Its transfer (or the gzip copy before it) runs, since `since`.
        case running(since: Double)
    }

    private(set) var phases: [String: Phase] = [:]
    /// Uploads that may still have files needing their first request, highest rank first.
    var requestOrder: [String] = []
    private var renewalOrder = FIFOQueue<String>()
    private var slotOrder = PriorityQueue<String>()
    private(set) var requestedCount = 0
    private(set) var queuedCount = 0
    private(set) var runningCount = 0
    /// Files an earlier run of the agent had started (an attribute, not a phase): a refusal
    /// of their credentials asks for new ones instead of failing them.
    private(set) var resumed: Set<String> = []

    /// Files requested, waiting for a slot or running: what the request window bounds.
    var inFlight: Int { requestedCount + queuedCount + runningCount }

    func phase(of fileId: String) -> Phase? { phases[fileId] }

    func requestedAt(_ fileId: String) -> Double? {
        if case .requested(let at)? = phases[fileId] { return at }
        return nil
    }

    var requested: [String] { requested(before: .infinity) }

    /// Files whose request went out before `time` and is still unanswered.
    func requested(before time: Double) -> [String] {
        phases.compactMap { if case .requested(let at) = $0.value, at < time { $0.key } else { nil } }
    }

    /// Files whose transfer runs now.
    var running: [String] {
        phases.compactMap { if case .running = $0.value { $0.key } else { nil } }
    }

    // MARK: - Transitions

    mutating func markResumed(_ fileId: String) { resumed.insert(fileId) }

    mutating func needsRenewal(_ fileId: String) {
        set(fileId, .awaitingRenewal)
        renewalOrder.push(fileId)
    }

    /// The next file waiting for new credentials, if any (it stays so until `requested`).
    mutating func nextRenewal() -> String? {
        while let fileId = renewalOrder.popFirst() {
            if case .awaitingRenewal? = phases[fileId] { return fileId }
        }
        return nil
    }

    mutating func requested(_ fileId: String, at time: Double) { set(fileId, .requested(at: time)) }

    /// The backend answered the request: when it went out, or nil when none was out.
    mutating func answered(_ fileId: String) -> Double? {
        guard let at = requestedAt(fileId) else { return nil }
        set(fileId, nil)
        return at
    }

    mutating func queue(_ fileId: String, provider: any StorageProvider, priority: Int) {
        set(fileId, .queued(provider))
        slotOrder.push(fileId, priority: priority)
    }

    /// The started file next in line for a slot, left in line (`nextQueued` takes it).
    mutating func firstQueued() -> String? {
        while let fileId = slotOrder.first {
            if case .queued? = phases[fileId] { return fileId }
            _ = slotOrder.popFirst()  // its phase moved on
        }
        return nil
    }

    /// Takes the started file next in line for a slot (it stays queued until `launched`).
    mutating func nextQueued() -> ReadyUpload? {
        guard let fileId = firstQueued(), case .queued(let provider)? = phases[fileId] else { return nil }
        _ = slotOrder.popFirst()
        return ReadyUpload(fileId: fileId, provider: provider)
    }

    mutating func launched(_ fileId: String, since: Double) {
        set(fileId, .running(since: since))
    }

    /// The transfer ended: when it began, or nil when it was not running.
    mutating func finished(_ fileId: String) -> Double? {
        guard case .running(let since)? = phases[fileId] else { return nil }
        set(fileId, nil)
        return since
    }

    /// Takes the file out of the pipeline, whatever its phase (the file failed, or its
    /// upload ended): whether its transfer was running (it is to be cancelled).
    @discardableResult
    mutating func remove(_ fileId: String) -> Bool {
        let wasRunning = if case .running? = phases[fileId] { true } else { false }
        set(fileId, nil)
        resumed.remove(fileId)
        return wasRunning
    }

    /// Empties the slots and the queue for a stop: what ran (to cancel and await) and what
    /// waited for a slot. Requests stay, to be sent again after the restart.
    mutating func suspend() -> (running: [String], queued: [String]) {
        let stopping = running.sorted()
        let waiting = phases.compactMap { if case .queued = $0.value { $0.key } else { nil } }
        for fileId in stopping + waiting { set(fileId, nil) }
        return (stopping, waiting.sorted())
    }

    /// Per upload, its files requested and not started, or started and waiting for a slot.
    func shares(parent: (String) -> String?) -> [String: Int] {
        var shares: [String: Int] = [:]
        for (fileId, phase) in phases {
            switch phase {
            case .requested, .queued:
                if let parentId = parent(fileId) { shares[parentId, default: 0] += 1 }
            case .awaitingRenewal, .running:
                continue
            }
        }
        return shares
    }

    private mutating func set(_ fileId: String, _ phase: Phase?) {
        if let old = phases[fileId] { count(old, by: -1) }
        phases[fileId] = phase
        if let phase { count(phase, by: 1) }
    }

    private mutating func count(_ phase: Phase, by step: Int) {
        switch phase {
        case .awaitingRenewal: break
        case .requested: requestedCount += step
        case .queued: queuedCount += step
        case .running: runningCount += step
        }
    }
}
