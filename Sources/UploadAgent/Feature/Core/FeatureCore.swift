import Logging

/// The AutoUploadable feature's decisions, as a value: the one owner of all feature state
/// (identity, activation window and schedule, the upload registry, the pipeline of files
/// in flight, what the backend has not been told). It takes one `FeatureEvent` at a time,
/// at the `FeatureTime` it is handled, and returns what to do about it as `FeatureEffect`s,
/// in order. It holds no task, reads no clock and writes nothing; its only reads of the
/// world are `FeatureReads`. `AutoUploadableFeature` feeds it and performs the effects.
struct FeatureCore {
    let config: AgentConfig
    let logger: Logger
    let reads: any FeatureReads
    /// Makes the storage provider a `start` asks for (an object that talks to the
    /// network once run, not before), for the device named.
    let makeStorageProvider: @Sendable (_ fileId: String, _ options: [String: String], _ deviceId: String) throws -> any StorageProvider
    /// Whether the state lives on disk (the journal, the credential store): answers and
    /// statuses then wait for it. False in unit tests that run in memory only.
    let durable: Bool
    let startedAt: Double
    let archiveStage: ArchiveStage
    /// The time of the event being handled.
    var time: FeatureTime
    /// What the event being handled decided, in order.
    private var effects: [FeatureEffect] = []

    // Identity and connection.
    var identity: DeviceIdentity?
    /// The parser for this identity's commands (made when the identity changes).
    var commandParser: CommandParser?
    /// Payloads on our command topic that cannot be answered: a warning a minute at most.
    var unanswerableLog = LogRateLimit(interval: 60)
    var connected = false
    var accepting = true
    /// Set while the agent stops (SIGTERM): the phase it is in.
    var stop: FeatureStop?
    static var identityWaitWarning: Double { 5 }
    static var identityWaitRepeat: Double { 300 }

    /// The timers armed, with the token of their arming: an expiry with another token is stale.
    var timers = FeatureTimerTable()

    // Activation.
    var schedule = ActivationSchedule()

    // Uploads.
    var registry = UploadRegistry()
    /// Status rows of finished uploads, newest first, and their ids (for `cancel`).
    var recent: [(id: String, row: UploadStatus)] = []
    var nextUploadNumber: Int

    /// The phase of each file in flight: request -> start -> slot -> transfer.
    var pipeline = FilePipeline()
    /// How many files may be requested ahead of the slots, from the measured latency.
    var requestWindow: RequestWindow
    /// Which started files may run now: large ones in `maxConcurrentUploads` slots, small
    /// ones also beyond them.
    let uploadSlots: UploadSlots
    /// Why the link carries nothing now (data budget spent, timetable paused), as last seen.
    var linkHold: LinkAllowance.Hold?
    /// Uploads whose archive is being written now.
    var archivesBeingWritten: Set<String> = []

    /// What the backend is owed: unacknowledged statuses and requests, and statuses
    /// waiting for the disk.
    var delivery = DeliveryLedger()
    /// The newest `lastUpload` sent (the upload as it was then, and its progress): a
    /// registration replaces the whole feature in the twin, so it is sent again right
    /// after. Kept apart from the registry, which forgets an upload once the backend has
    /// its end, so the journal keeps it across restarts.
    var latestReported: (upload: UploadRecord, progress: Int)?
    var latestLastUpload: LastUploadValue? { latestReported.map { $0.upload.lastUploadValue(progress: $0.progress) } }

    // Status file.
    var statusBuiltAt = 0.0

    static let maxRecent = 20
    /// An upload of this many files leaves enough behind in the journal to compact it
    /// as soon as it is removed.
    static let largeUpload = 1000
    /// Uploads with more files than this show only the files in flight in the status file.
    static let maxStatusFiles = 50
    /// How a stop waits for cancelled uploads to clean up, and for acknowledgements.
    static let cleanupTimeout: Double = 10
    static let acknowledgementWait: Double = 2
    /// Times the credentials of one file are asked for again after a refusal.
    static let maxCredentialRenewals = 2

    init(config: AgentConfig, logger: Logger, reads: any FeatureReads, durable: Bool, time: FeatureTime,
         makeStorageProvider: @escaping @Sendable (String, [String: String], String) throws -> any StorageProvider) {
        self.config = config
        self.logger = logger
        self.reads = reads
        self.durable = durable
        self.time = time
        self.makeStorageProvider = makeStorageProvider
        startedAt = time.now
        nextUploadNumber = Int(time.now)
        requestWindow = RequestWindow(slots: config.maxConcurrentUploads, cap: config.requestWindow)
        uploadSlots = UploadSlots(maxConcurrentUploads: config.maxConcurrentUploads,
                                  maxConcurrentSmallUploads: config.maxConcurrentSmallUploads,
                                  limitedLink: config.limitsLink)
        archiveStage = ArchiveStage(stateDir: config.stateDir, maxSize: config.archiveMaxSize)
        if !config.deviceId.isEmpty, let thing = ThingID(config.deviceId) {
            identity = DeviceIdentity(thing: thing, tenant: config.tenantId)
        }
        if config.startsActive {
            schedule.replace(with: ActivationWindow(from: config.activeFrom, to: config.activeTill, period: config.period))
        }
    }

    // MARK: - The one way in

    /// Handles one event at `time`: what to do about it, in order.
    mutating func handle(_ event: FeatureEvent, at time: FeatureTime) -> [FeatureEffect] {
        self.time = time
        handle(event)
        return takeEffects()
    }

    /// Runs `decide` (a step outside `handle`: the start-up restore, a stop, the status
    /// file) at `time` and returns what it decided.
    mutating func step(at time: FeatureTime, _ decide: (inout FeatureCore) -> Void) -> [FeatureEffect] {
        self.time = time
        decide(&self)
        return takeEffects()
    }

    mutating func emit(_ effect: FeatureEffect) { effects.append(effect) }

    private mutating func takeEffects() -> [FeatureEffect] {
        defer { effects = [] }
        return effects
    }

    private mutating func handle(_ event: FeatureEvent) {
        switch event {
        case .mqtt(let event):
            handle(event)
        case .published(let delivery, let messageId):
            self.delivery.published(delivery, as: messageId)
        case .transfer(let fileId, .progress(let bytes)):
            fileProgress(fileId, bytes: bytes)
        case .transfer(let fileId, .confirmed(let progress)):
            serverConfirmed(fileId, progress)
        case .transfer(let fileId, .retrying(let attempt, let reason)):
            fileRetrying(fileId, attempt: attempt, reason: reason)
        case .transfer(let fileId, .finished(let outcome)):
            fileFinished(fileId, outcome)
        case .durable(let sequence):
            durable(through: sequence)
        case .timer(let timer, let token):
            guard timers.fired(timer, token: token) else { return }
            timerExpired(timer)
        case .compressed(let item, let copy, let opened, let result):
            compressed(item, copy: copy, opened: opened, result)
        case .archiveWritten(let parentId, let path, let result):
            archiveWritten(parentId, path: path, result)
        }
    }

    // MARK: - Timers

    /// Arms `timer` to expire `seconds` from now, replacing an earlier arming of it.
    mutating func arm(_ timer: FeatureTimer, after seconds: Double) {
        let token = timers.arm(timer)
        emit(.arm(timer, deadline: time.uptime + seconds, token: token))
    }

    mutating func cancelTimer(_ timer: FeatureTimer) {
        if timers.cancel(timer) { emit(.disarm(timer)) }
    }

    mutating func timerExpired(_ timer: FeatureTimer) {
        switch timer {
        case .housekeeping:
            if housekeep() { arm(.housekeeping, after: 1) }
        case .status:
            writeStatus()
        case .identityWarning:
            if warnIdentityUnknown() { arm(.identityWarning, after: Self.identityWaitRepeat) }
        case .activation:
            activationDue()
        case .stopPhase:
            advanceStop(deadlinePassed: true)
        }
    }

    // MARK: - Events from MQTT

    mutating func handle(_ event: MQTTEvent) {
        switch event {
        case .connected:
            connected = true
            delivery.connectionChanged()
            logger.info("connected to MQTT broker \(config.broker)")
            if identity == nil {
                emit(.publish(topic: DeviceIdentity.requestTopic, payload: [], tracking: nil))
                logger.info("no deviceId configured: asked the edge agent on \(DeviceIdentity.requestTopic)")
                warnWhileIdentityUnknown()
            }
            register()
        case .disconnected(let reason):
            connected = false
            delivery.connectionChanged()
            logger.warning("disconnected from MQTT broker: \(reason); reconnecting")
            advanceStop()  // no acknowledgement comes now
        case .connectFailed(let reason):
            logger.warning("\(reason); retrying")
        case .message(let topic, let payload):
            if topic == DeviceIdentity.responseTopic {
                receiveIdentity(payload)
            } else {
                receiveCommand(topic: topic, payload: payload)
            }
        case .acknowledged(let messageId):
            acknowledged(messageId)
            return
        }
        scheduleStatus()
    }

    /// Registers the feature (every connect), then sends what the backend has not
    /// acknowledged yet: the newest `lastUpload` of each upload, in the order they
    /// happened, and the outstanding requests.
    mutating func register() {
        guard connected, let identity else { return }
        let messages = DittoMessages(thing: identity.thing, featureId: config.featureId)
        // The registration replaces the whole feature in the twin: it carries the latest
        // `lastUpload` itself, so an upload's end is not told again after every reconnect.
        publish(messages.featureRegistration(type: config.type, context: config.context,
                                             autoUpload: autoUploadValue, lastUpload: latestLastUpload))
        logger.info("registered feature \(config.featureId) of \(identity.thing)")
        if schedule.isActive && !timers.isArmed(.activation) { reschedule() }
        for id in delivery.lastUploadsOwed where !delivery.isAwaitingDisk(id) {
            if let upload = registry.upload(id) { publishLastUpload(upload) }
        }
        for id in delivery.owedRequests.sorted() where pipeline.requestedAt(id) != nil {
            // Its time to answer counts from now: it could not be answered while we were away.
            pipeline.requested(id, at: time.now)
            publishRequest(id)
        }
        pump()
    }

    /// A gateway without an edge agent never answers: say so at WARN after a few seconds,
    /// and again every few minutes, instead of running silently without a feature.
    mutating func warnWhileIdentityUnknown() {
        guard !timers.isArmed(.identityWarning) else { return }
        arm(.identityWarning, after: Self.identityWaitWarning)
    }

    /// Returns whether to warn again later.
    private mutating func warnIdentityUnknown() -> Bool {
        guard identity == nil, accepting else { return false }
        logger.warning("still waiting for the device identity: no edge agent answered on \(DeviceIdentity.responseTopic); the feature is not registered and no command is taken until one does. Set deviceId (and tenantId) in the config to end the wait")
        if connected { emit(.publish(topic: DeviceIdentity.requestTopic, payload: [], tracking: nil)) }
        return true
    }

    mutating func receiveIdentity(_ payload: [UInt8]) {
        guard config.deviceId.isEmpty else { return }
        guard let received = DeviceIdentity(edgeResponse: payload) else {
            logger.warning("ignored an edge identity response that is not {\"deviceId\":\"ns:name\",…}")
            return
        }
        guard received != identity else { return }
        if let old = identity, connected {
            // The thing changed: remove the feature from the old twin first.
            publish(DittoMessages(thing: old.thing, featureId: config.featureId).featureDeletion())
        }
        identity = received
        logger.info("device identity: \(received.thing) (tenant '\(received.tenant)')")
        register()
    }

    mutating func receiveCommand(topic: String, payload: [UInt8]) {
        guard let identity else {
            logger.debug("ignored a command on \(topic): device identity not known yet")
            return
        }
        if commandParser?.thing != identity.thing {
            commandParser = CommandParser(thing: identity.thing, featureId: config.featureId)
        }
        let parser = commandParser!
        switch parser.parse(topic: topic, payload: payload) {
        case .ignored(let reason):
            logger.debug("ignored: \(BoundedText.cut(reason))")
        case .unanswerable(let reason):
            if let heldBack = unanswerableLog.admit(now: time.uptime) {
                let more = heldBack > 0 ? " (\(heldBack) more since the last such line)" : ""
                logger.warning("cannot answer a command: \(reason)\(more)")
            }
        case .inbox(let message):
            // Numbered before the operation runs: the answer precedes the requests of an
            // upload it triggers, and both wait for the disk.
            let answer = durable ? delivery.reserve() : nil
            let outcome: OperationError?
            switch message.operation {
            case .failure(let error): outcome = error
            case .success(let operation): outcome = perform(operation)
            }
            if let outcome {
                logger.warning("\(message.operationName) refused (\(outcome.status)): \(outcome.message)")
            } else {
                logger.debug("\(message.operationName) done")
            }
            if message.responseRequired {
                let response = DittoMessages.response(to: message, error: outcome)
                let held = HeldEffect.response(topic: message.hono.responseTopic(status: outcome?.status ?? 204),
                                               payload: response.bytes)
                if message.answerWaitsForDisk { afterDisk(held, as: answer) } else { release(held) }
            }
            // Requests and transfers follow the response, never delay it.
            pump()
        }
    }

    mutating func perform(_ operation: Operation) -> OperationError? {
        guard accepting else { return .failed("the agent is stopping") }
        do throws(OperationError) {
            switch operation {
            case .trigger(let id, let options): try trigger(correlationId: id, options: options)
            case .start(let id, let options): try start(fileId: id, options: options)
            case .cancel(let id, let code, let message): try cancel(id: id, statusCode: code, message: message)
            case .activate(let from, let to): activate(from: from, to: to)
            case .deactivate: deactivate()
            }
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Publishing

    mutating func publish<Value>(_ envelope: DittoEnvelope<Value>) {
        emit(.publish(topic: "e", payload: envelope.bytes, tracking: nil))
    }

    mutating func record(_ entry: JournalEntry) {
        if durable { emit(.journal([entry])) }
    }

    /// Tells the backend the upload's `lastUpload` once the journal (and the credential
    /// store) holding this state are on disk, and keeps it owed until the broker
    /// acknowledges it (sent again after a reconnect; after a restart the journal brings
    /// it back). The progress told is recorded with it, so it never goes back.
    mutating func publishLastUpload(_ upload: UploadRecord) {
        let id = upload.correlationId
        let sequence = delivery.oweLastUpload(of: id)
        var told = upload
        told.toldProgress = upload.wireProgress
        if registry.upload(id) != nil {
            registry.updateUpload(id) { $0.toldProgress = told.toldProgress }
        }
        record(.upload(told))
        guard durable, !InjectedFault.publishBeforeDurable.isInjected else {
            send(told, sequence: sequence)
            return
        }
        delivery.awaitDisk(told, sequence: sequence)
        whenOnDisk(through: sequence)
    }

    /// Performs `effect` once everything journaled so far (and every credential stored)
    /// is on disk; at once without a journal.
    mutating func afterDisk(_ effect: HeldEffect, as reserved: Int? = nil) {
        guard durable else { return release(effect) }
        let sequence = reserved ?? delivery.reserve()
        delivery.hold(effect, as: sequence)
        whenOnDisk(through: sequence)
    }

    /// Asks for `.durable(through: sequence)` once the journal and the credential store
    /// have written everything handed to them so far (asked once at a time: see
    /// `DeliveryLedger.needsProbe`).
    private mutating func whenOnDisk(through sequence: Int) {
        if delivery.needsProbe(for: sequence) { emit(.askDisk(through: sequence)) }
    }

    /// Everything recorded up to `sequence` is on disk: what waited for it goes out, in order.
    mutating func durable(through sequence: Int) {
        if let next = delivery.probeAnswered(sequence) { emit(.askDisk(through: next)) }
        for item in delivery.durable(through: sequence) {
            switch item {
            case .lastUpload(let upload, let sequence): send(upload, sequence: sequence)
            case .effect(let effect): release(effect)
            }
        }
    }

    mutating func release(_ effect: HeldEffect) {
        switch effect {
        case .response(let topic, let payload):
            emit(.publish(topic: topic, payload: payload, tracking: nil))
        case .requests(let id):
            guard let upload = registry.upload(id), !upload.state.isFinal else { return }
            enqueueRequests(of: upload)
            pump()
        }
    }

    private mutating func send(_ upload: UploadRecord, sequence: Int) {
        let progress = upload.wireProgress
        latestReported = (upload, progress)
        record(.lastReported(upload: upload, progress: progress))
        guard connected, let identity else { return }
        let envelope = DittoMessages(thing: identity.thing, featureId: config.featureId)
            .propertyUpdate("lastUpload", value: upload.lastUploadValue(progress: progress))
        emit(.publish(topic: "e", payload: envelope.bytes,
                      tracking: .lastUpload(parentId: upload.correlationId, sequence: sequence)))
    }

    mutating func acknowledged(_ messageId: Int32) {
        defer { advanceStop() }
        guard let parentId = delivery.acknowledged(messageId),
              let upload = registry.upload(parentId), upload.state.isFinal else { return }
        // The backend has the end of this upload: nothing left to remember.
        registry.remove(parentId)
        record(.removeUpload(id: parentId))
        guard durable else { return }
        if registry.uploads.isEmpty || upload.fileCount >= Self.largeUpload {
            // Nothing left (housekeeping stops with it), or much left behind: the
            // journal shrinks to what is live now, not at the next upload.
            emit(.compactJournal(journalSnapshot()))
        } else {
            emit(.compactJournalIfNeeded)
        }
    }

    var autoUploadValue: AutoUploadValue {
        AutoUploadValue(active: schedule.isActive, startTime: Nullable(schedule.window?.from.map(RFC3339.format)),
                        endTime: Nullable(schedule.window?.to.map(RFC3339.format)))
    }

    mutating func publishAutoUpload() {
        guard let identity, connected else { return }
        publish(DittoMessages(thing: identity.thing, featureId: config.featureId).propertyUpdate("autoUpload", value: autoUploadValue))
    }
}
