import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The AutoUploadable feature: the one owner of all feature state (identity, activation
/// window and schedule, the upload registry and what the backend has not yet been told).
/// MQTT events come in, in order; responses, twin updates and outbox requests go out
/// through the publisher. Every change a resume needs is journaled; the status file is
/// rebuilt from the registry a few times a second at most. Being an actor, it needs no locks.
public actor AutoUploadableFeature {
    let config: AgentConfig
    let environment: FeatureEnvironment
    let selector: FileSelector
    var logger: Logger { environment.logger }
    let startedAt: Double
    /// Durable state; nil in unit tests that run in memory only.
    let journal: UploadJournal?
    let credentials: CredentialStore?
    /// Set while the agent suspends (SIGTERM): transfers cancelled then keep what the
    /// server holds (no multipart abort), to resume at the next start.
    let suspending = AtomicFlag()
    /// What servers taught about the device clock's offset, shared by every upload.
    let serverClock = ServerClockOffset()
    /// Where the broker's events and the transfers' news wait, in order, to be handled
    /// (`handle(_:)` by whoever drains it: the daemon's loop, a test's).
    nonisolated let mailbox: EventInbox<FeatureEvent>
    let timers: FeatureTimers
    let work: FeatureWork

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

    // Activation.
    var schedule = ActivationSchedule()

    // Uploads.
    var registry = UploadRegistry()
    /// Status rows of finished uploads, newest first, and their ids (for `cancel`).
    var recent: [(id: String, row: JSONValue)] = []
    var nextUploadNumber: Int

    /// The phase of each file in flight: request -> start -> slot -> transfer.
    var pipeline = FilePipeline()
    /// How many files may be requested ahead of the slots, from the measured latency.
    var requestWindow: RequestWindow
    /// Why the link carries nothing now (data budget spent, timetable paused), as last seen.
    var linkHold: LinkAllowance.Hold?
    /// Where archives are written, and the archives being written now (by upload), each
    /// with the flag that stops its writer.
    let archiveStage: ArchiveStage
    var archiveWrites: [String: AtomicFlag] = [:]

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

    init(config: AgentConfig, environment: FeatureEnvironment, durable: Bool = false,
         mailbox: EventInbox<FeatureEvent> = EventInbox()) {
        self.mailbox = mailbox
        timers = FeatureTimers(clock: environment.clock, mailbox: mailbox, sleeps: environment.timersSleep)
        work = FeatureWork(mailbox: mailbox, logger: environment.logger, launcher: environment.transferLauncher)
        self.config = config
        self.environment = environment
        let logger = environment.logger
        selector = FileSelector(configuredGlob: config.files, mode: config.mode, warn: { logger.warning("\($0)") })
        startedAt = environment.clock.now()
        nextUploadNumber = Int(environment.clock.now())
        requestWindow = RequestWindow(slots: config.maxConcurrentUploads, cap: config.requestWindow)
        archiveStage = ArchiveStage(stateDir: config.stateDir, maxSize: config.archiveMaxSize)
        if durable {
            let logger = environment.logger
            let report: @Sendable (String) -> Void = { logger.error("state folder: \($0)") }
            StatusFileWriter.makeDirectory(config.stateDir)
            let queues = environment.journalQueues ?? DispatchLogWriterQueue.make
            journal = UploadJournal(stateDir: config.stateDir, queues: queues, onError: report)
            credentials = CredentialStore(stateDir: config.stateDir, queues: queues, onError: report)
        } else {
            journal = nil
            credentials = nil
        }
        if !config.deviceId.isEmpty, let thing = ThingID(config.deviceId) {
            identity = DeviceIdentity(thing: thing, tenant: config.tenantId)
        }
        if config.startsActive {
            schedule.replace(with: ActivationWindow(from: config.activeFrom, to: config.activeTill, period: config.period))
        }
    }

    // MARK: - Events from MQTT

    /// The events that came in together, in order, in one visit of the actor.
    func handle(_ events: [FeatureEvent]) {
        for event in events { handle(event) }
    }

    func handle(_ event: FeatureEvent) {
        switch event {
        case .mqtt(let event):
            handle(event)
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

    func timerExpired(_ timer: FeatureTimer) {
        switch timer {
        case .housekeeping:
            if housekeep() { timers.arm(.housekeeping, after: 1) }
        case .status:
            writeStatus()
        case .identityWarning:
            if warnIdentityUnknown() { timers.arm(.identityWarning, after: Self.identityWaitRepeat) }
        case .activation:
            activationDue()
        case .stopPhase:
            advanceStop(deadlinePassed: true)
        }
    }

    public func handle(_ event: MQTTEvent) {
        switch event {
        case .connected:
            connected = true
            delivery.connectionChanged()
            logger.info("connected to MQTT broker \(config.broker)")
            if identity == nil {
                _ = environment.publisher.publish(topic: DeviceIdentity.requestTopic, payload: [])
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
    func register() {
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
            pipeline.requested(id, at: environment.clock.now())
            publishRequest(id)
        }
        pump()
    }

    /// A gateway without an edge agent never answers: say so at WARN after a few seconds,
    /// and again every few minutes, instead of running silently without a feature.
    func warnWhileIdentityUnknown() {
        guard !timers.isArmed(.identityWarning) else { return }
        timers.arm(.identityWarning, after: Self.identityWaitWarning)
    }

    /// Returns whether to warn again later.
    private func warnIdentityUnknown() -> Bool {
        guard identity == nil, accepting else { return false }
        logger.warning("still waiting for the device identity: no edge agent answered on \(DeviceIdentity.responseTopic); the feature is not registered and no command is taken until one does. Set deviceId (and tenantId) in the config to end the wait")
        if connected { _ = environment.publisher.publish(topic: DeviceIdentity.requestTopic, payload: []) }
        return true
    }

    func receiveIdentity(_ payload: [UInt8]) {
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

    func receiveCommand(topic: String, payload: [UInt8]) {
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
            if let heldBack = unanswerableLog.admit(now: environment.clock.uptime()) {
                let more = heldBack > 0 ? " (\(heldBack) more since the last such line)" : ""
                logger.warning("cannot answer a command: \(reason)\(more)")
            }
        case .inbox(let message):
            // Numbered before the operation runs: the answer precedes the requests of an
            // upload it triggers, and both wait for the disk.
            let answer = journal != nil ? delivery.reserve() : nil
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
                afterDisk(.response(topic: message.hono.responseTopic(status: outcome?.status ?? 204),
                                    payload: response.bytes), as: answer)
            }
            // Requests and transfers follow the response, never delay it.
            pump()
        }
    }

    func perform(_ operation: Operation) -> OperationError? {
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

    func publish<Value>(_ envelope: DittoEnvelope<Value>) {
        _ = environment.publisher.publish(topic: "e", payload: envelope.bytes)
    }

    /// Tells the backend the upload's `lastUpload` once the journal (and the credential
    /// store) holding this state are on disk, and keeps it owed until the broker
    /// acknowledges it (sent again after a reconnect; after a restart the journal brings
    /// it back). The progress told is recorded with it, so it never goes back.
    func publishLastUpload(_ upload: UploadRecord) {
        let id = upload.correlationId
        let sequence = delivery.oweLastUpload(of: id)
        var told = upload
        told.toldProgress = upload.wireProgress
        if registry.upload(id) != nil {
            registry.updateUpload(id) { $0.toldProgress = told.toldProgress }
        }
        guard let journal, !InjectedFault.publishBeforeDurable.isInjected else {
            journal?.record(.upload(told))
            send(told, sequence: sequence)
            return
        }
        journal.record(.upload(told))
        delivery.awaitDisk(told, sequence: sequence)
        whenOnDisk(through: sequence)
    }

    /// Performs `effect` once everything journaled so far (and every credential stored)
    /// is on disk; at once without a journal.
    func afterDisk(_ effect: HeldEffect, as reserved: Int? = nil) {
        guard journal != nil else { return release(effect) }
        let sequence = reserved ?? delivery.reserve()
        delivery.hold(effect, as: sequence)
        whenOnDisk(through: sequence)
    }

    /// Posts `.durable(through: sequence)` once the journal and the credential store
    /// have written everything handed to them so far (asked once at a time: see
    /// `DeliveryLedger.needsProbe`). Only with a journal.
    private func whenOnDisk(through sequence: Int) {
        if delivery.needsProbe(for: sequence) { askDisk(through: sequence) }
    }

    private func askDisk(through sequence: Int) {
        guard let journal else { return }
        let (credentials, mailbox) = (self.credentials, self.mailbox)
        let tell: @Sendable () -> Void = { mailbox.yield(.durable(through: sequence)) }
        journal.whenDurable {
            if let credentials { credentials.whenDurable(tell) } else { tell() }
        }
    }

    /// Everything recorded up to `sequence` is on disk: what waited for it goes out, in order.
    func durable(through sequence: Int) {
        if let next = delivery.probeAnswered(sequence) { askDisk(through: next) }
        for item in delivery.durable(through: sequence) {
            switch item {
            case .lastUpload(let upload, let sequence): send(upload, sequence: sequence)
            case .effect(let effect): release(effect)
            }
        }
    }

    func release(_ effect: HeldEffect) {
        switch effect {
        case .response(let topic, let payload):
            _ = environment.publisher.publish(topic: topic, payload: payload)
        case .requests(let id):
            guard let upload = registry.upload(id), !upload.state.isFinal else { return }
            enqueueRequests(of: upload)
            pump()
        }
    }

    private func send(_ upload: UploadRecord, sequence: Int) {
        let progress = upload.wireProgress
        latestReported = (upload, progress)
        journal?.record(.lastReported(upload: upload, progress: progress))
        guard connected, let identity else { return }
        let envelope = DittoMessages(thing: identity.thing, featureId: config.featureId)
            .propertyUpdate("lastUpload", value: upload.lastUploadValue(progress: progress))
        if let messageId = environment.publisher.publish(topic: "e", payload: envelope.bytes) {
            delivery.published(.lastUpload(parentId: upload.correlationId, sequence: sequence), as: messageId)
        }
    }

    func acknowledged(_ messageId: Int32) {
        defer { advanceStop() }
        guard let parentId = delivery.acknowledged(messageId),
              let upload = registry.upload(parentId), upload.state.isFinal else { return }
        // The backend has the end of this upload: nothing left to remember.
        registry.remove(parentId)
        journal?.record(.removeUpload(id: parentId))
        if registry.uploads.isEmpty || upload.fileCount >= Self.largeUpload {
            // Nothing left (housekeeping stops with it), or much left behind: the
            // journal shrinks to what is live now, not at the next upload.
            journal?.compact(journalSnapshot())
        } else {
            compactJournalIfNeeded()
        }
    }

    var autoUploadValue: AutoUploadValue {
        AutoUploadValue(active: schedule.isActive, startTime: schedule.window?.from.map(RFC3339.format),
                        endTime: schedule.window?.to.map(RFC3339.format))
    }

    func publishAutoUpload() {
        guard let identity, connected else { return }
        publish(DittoMessages(thing: identity.thing, featureId: config.featureId).propertyUpdate("autoUpload", value: autoUploadValue))
    }
}
