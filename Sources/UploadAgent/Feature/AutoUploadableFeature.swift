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

    // Identity and connection.
    var identity: DeviceIdentity?
    /// The parser for this identity's commands (made when the identity changes).
    var commandParser: CommandParser?
    /// Payloads on our command topic that cannot be answered: a warning a minute at most.
    var unanswerableLog = LogRateLimit(interval: 60)
    var connected = false
    var accepting = true
    /// Warns while no edge agent told the device identity (no `deviceId` configured).
    var identityWarning: Task<Void, Never>?
    static var identityWaitWarning: Double { 5 }
    static var identityWaitRepeat: Double { 300 }

    // Activation.
    var window: ActivationWindow?
    var lastRun: Double?
    var schedule: Task<Void, Never>?
    var scheduleGeneration = 0
    var nextRunAt: Double?

    // Uploads.
    var registry = UploadRegistry()
    /// Status rows of finished uploads, newest first, and their ids (for `cancel`).
    var recent: [(id: String, row: JSONValue)] = []
    var nextUploadNumber: Int

    // The way of each file: request -> start -> ready -> running.
    /// Uploads that may still have files needing their first request, oldest first.
    var requestQueue: [String] = []
    /// Files that need a new request (credentials expired or refused), before new ones.
    var renewals = FIFOQueue<String>()
    /// Files whose request awaits its `start`.
    var outstanding: Set<String> = []
    /// Started files waiting for a free upload slot.
    var ready = PriorityQueue<ReadyUpload>()
    var running: [String: Task<Void, Never>] = [:]
    /// When each running file's transfer began, for the window's measure of file time.
    var launchedAt: [String: Double] = [:]
    /// How many files may be requested ahead of the slots, from the measured latency.
    var requestWindow: RequestWindow
    var housekeeping: Task<Void, Never>?
    /// Why the link carries nothing now (data budget spent, timetable paused), as last seen.
    var linkHold: LinkAllowance.Hold?
    /// Files an earlier run had started: a refusal of their credentials asks for new ones.
    var resumedFromJournal: Set<String> = []
    /// Where archives are written, and the archives being written now (by upload), each
    /// with the flag that stops its writer.
    let archiveStage: ArchiveStage
    var archiveWrites: [String: AtomicFlag] = [:]

    // Delivery: what the broker has not acknowledged yet.
    var awaitingAck: [Int32: Delivery] = [:]
    /// Uploads whose newest `lastUpload` is not acknowledged, with its sequence number.
    var undeliveredLastUpload: [String: Int] = [:]
    var lastUploadSequence = 0
    /// Requests handed to the client but not acknowledged.
    var undeliveredRequests: Set<String> = []
    /// `lastUpload` values waiting for the state folder to be on disk before they go out
    /// (one per upload: a newer replaces an older), with their sequence numbers. The
    /// backend may act on what it is told (bill, delete, notify), so it is never told a
    /// state a power cut could take back.
    var awaitingDurability: [String: (sequence: Int, upload: UploadRecord)] = [:]
    /// The newest `lastUpload` sent (the upload as it was then, and its progress): a
    /// registration replaces the whole feature in the twin, so it is sent again right
    /// after. Kept apart from the registry, which forgets an upload once the backend has
    /// its end, so the journal keeps it across restarts.
    var latestReported: (upload: UploadRecord, progress: Int)?
    var latestLastUpload: JSONValue? { latestReported.map { $0.upload.lastUploadValue(progress: $0.progress) } }

    // Status file.
    var statusScheduled = false
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

    public init(config: AgentConfig, environment: FeatureEnvironment, durable: Bool = false) {
        self.config = config
        self.environment = environment
        let logger = environment.logger
        selector = FileSelector(configuredGlob: config.files, mode: config.mode, warn: { logger.warning("\($0)") })
        startedAt = environment.clock()
        nextUploadNumber = Int(environment.clock())
        requestWindow = RequestWindow(slots: config.maxConcurrentUploads, cap: config.requestWindow)
        archiveStage = ArchiveStage(stateDir: config.stateDir, maxSize: config.archiveMaxSize)
        if durable {
            let logger = environment.logger
            let report: @Sendable (String) -> Void = { logger.error("state folder: \($0)") }
            StatusFileWriter.makeDirectory(config.stateDir)
            journal = UploadJournal(stateDir: config.stateDir, onError: report)
            credentials = CredentialStore(stateDir: config.stateDir, onError: report)
        } else {
            journal = nil
            credentials = nil
        }
        if !config.deviceId.isEmpty, let thing = ThingID(config.deviceId) {
            identity = DeviceIdentity(thing: thing, tenant: config.tenantId)
        }
        if config.startsActive {
            window = ActivationWindow(from: config.activeFrom, to: config.activeTill, period: config.period)
        }
    }

    // MARK: - Events from MQTT

    /// The events that came in together, in order, in one visit of the actor.
    public func handle(_ events: [MQTTEvent]) {
        for event in events { handle(event) }
    }

    public func handle(_ event: MQTTEvent) {
        switch event {
        case .connected:
            connected = true
            awaitingAck = [:]
            logger.info("connected to MQTT broker \(config.broker)")
            if identity == nil {
                _ = environment.publisher.publish(topic: DeviceIdentity.requestTopic, payload: [])
                logger.info("no deviceId configured: asked the edge agent on \(DeviceIdentity.requestTopic)")
                warnWhileIdentityUnknown()
            }
            register()
        case .disconnected(let reason):
            connected = false
            awaitingAck = [:]
            logger.warning("disconnected from MQTT broker: \(reason); reconnecting")
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
        if window != nil && schedule == nil { reschedule() }
        let undelivered = undeliveredLastUpload.sorted { $0.value < $1.value }.map(\.key)
        for id in undelivered where awaitingDurability[id] == nil {
            if let upload = registry.upload(id) { publishLastUpload(upload) }
        }
        for id in undeliveredRequests.sorted() where outstanding.contains(id) {
            // Its time to answer counts from now: it could not be answered while we were away.
            registry.updateFile(id) { $0.requestedAt = environment.clock() }
            publishRequest(id)
        }
        pump()
    }

    /// A gateway without an edge agent never answers: say so at WARN after a few seconds,
    /// and again every few minutes, instead of running silently without a feature.
    func warnWhileIdentityUnknown() {
        guard identityWarning == nil else { return }
        let sleep = environment.sleep
        identityWarning = Task { [weak self] in
            var delay = Self.identityWaitWarning
            while !Task.isCancelled {
                do { try await sleep(delay) } catch { return }
                guard let self, await self.warnIdentityUnknown() else { return }
                delay = Self.identityWaitRepeat
            }
        }
    }

    /// Returns whether to warn again later.
    private func warnIdentityUnknown() -> Bool {
        guard identity == nil, accepting else {
            identityWarning = nil
            return false
        }
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
            publish(["topic": .string("\(old.thing.topicPrefix)/things/twin/commands/delete"),
                     "headers": ["response-required": false],
                     "path": .string("/features/\(config.featureId)")])
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
            if let heldBack = unanswerableLog.admit(now: monotonicSeconds()) {
                let more = heldBack > 0 ? " (\(heldBack) more since the last such line)" : ""
                logger.warning("cannot answer a command: \(reason)\(more)")
            }
        case .inbox(let message):
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
                _ = environment.publisher.publish(topic: message.hono.responseTopic(status: outcome?.status ?? 204),
                                                  payload: response.serialized())
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

    func publish(_ envelope: JSONValue) {
        _ = environment.publisher.publish(topic: "e", payload: envelope.serialized())
    }

    /// Tells the backend the upload's `lastUpload` once the journal (and the credential
    /// store) holding this state are on disk, and keeps it owed until the broker
    /// acknowledges it (sent again after a reconnect; after a restart the journal brings
    /// it back). The progress told is recorded with it, so it never goes back.
    func publishLastUpload(_ upload: UploadRecord) {
        lastUploadSequence += 1
        let sequence = lastUploadSequence
        let id = upload.correlationId
        undeliveredLastUpload[id] = sequence
        var told = upload
        told.toldProgress = upload.wireProgress
        if registry.upload(id) != nil {
            registry.updateUpload(id) { $0.toldProgress = told.toldProgress }
        }
        guard let journal else {
            send(told, sequence: sequence)
            return
        }
        journal.record(.upload(told))
        awaitingDurability[id] = (sequence, told)
        let credentials = self.credentials
        let tell: @Sendable () -> Void = { [weak self] in Task { await self?.durable(through: sequence) } }
        journal.whenDurable {
            if let credentials { credentials.whenDurable(tell) } else { tell() }
        }
    }

    /// Everything recorded up to `sequence` is on disk: what waited for it goes out, in order.
    func durable(through sequence: Int) {
        let due = awaitingDurability.filter { $0.value.sequence <= sequence }.sorted { $0.value.sequence < $1.value.sequence }
        for (id, item) in due {
            awaitingDurability[id] = nil
            send(item.upload, sequence: item.sequence)
        }
    }

    private func send(_ upload: UploadRecord, sequence: Int) {
        let progress = upload.wireProgress
        latestReported = (upload, progress)
        journal?.record(.lastReported(upload: upload, progress: progress))
        guard connected, let identity else { return }
        let envelope = DittoMessages(thing: identity.thing, featureId: config.featureId)
            .propertyUpdate("lastUpload", value: upload.lastUploadValue(progress: progress))
        if let messageId = environment.publisher.publish(topic: "e", payload: envelope.serialized()) {
            awaitingAck[messageId] = .lastUpload(parentId: upload.correlationId, sequence: sequence)
        }
    }

    func acknowledged(_ messageId: Int32) {
        guard let delivery = awaitingAck.removeValue(forKey: messageId) else { return }
        switch delivery {
        case .lastUpload(let parentId, let sequence):
            guard undeliveredLastUpload[parentId] == sequence else { return }
            undeliveredLastUpload[parentId] = nil
            if let upload = registry.upload(parentId), upload.state.isFinal {
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
        case .request(let fileId):
            undeliveredRequests.remove(fileId)
        }
    }

    var autoUploadValue: JSONValue {
        [
            "active": .bool(window != nil),
            "startTime": window?.from.map { .string(RFC3339.format($0)) } ?? .null,
            "endTime": window?.to.map { .string(RFC3339.format($0)) } ?? .null,
        ]
    }

    func publishAutoUpload() {
        guard let identity, connected else { return }
        publish(DittoMessages(thing: identity.thing, featureId: config.featureId).propertyUpdate("autoUpload", value: autoUploadValue))
    }
}
