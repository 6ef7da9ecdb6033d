import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The AutoUploadable feature: the one owner of all feature state (identity, activation
/// window and schedule, uploads and their correlation ids). MQTT events come in, in
/// order; responses, twin updates and outbox requests go out through the publisher;
/// each change is mirrored into the status file. Being an actor, it needs no locks.
public actor AutoUploadableFeature {
    let config: AgentConfig
    let environment: FeatureEnvironment
    let selector: FileSelector
    let slots: UploadSlots
    var logger: Logger { environment.logger }
    let startedAt: Double

    // Identity and connection.
    var identity: DeviceIdentity?
    var connected = false
    var accepting = true

    // Activation.
    var window: ActivationWindow?
    var schedule: Task<Void, Never>?
    var scheduleGeneration = 0
    var nextRunAt: Double?

    // Uploads: running ones by parent id, children by id, finished ones newest first.
    var uploads: [String: Upload] = [:]
    var uploadOrder: [String] = []
    var parentOfFile: [String: String] = [:]
    var fileTasks: [String: Task<Void, Never>] = [:]
    var recent: [Upload] = []
    var nextUploadNumber: Int

    /// Messages that could not be published while disconnected: the latest `lastUpload`
    /// of each upload and the outbox requests, sent after reconnecting. Bounded.
    var unsentLastUpload: [String: (sequence: Int, value: JSONValue)] = [:]
    var unsentSequence = 0
    var unsentRequests: [JSONValue] = []
    static let maxUnsent = 100
    static let maxRecent = 20
    /// How long a triggered upload may wait for its first `start` (at least `period`).
    static let unstartedTimeout: Double = 3600
    /// How long a stop waits for cancelled uploads to clean up on the server.
    static let cleanupTimeout: Double = 10

    public init(config: AgentConfig, environment: FeatureEnvironment) {
        self.config = config
        self.environment = environment
        let logger = environment.logger
        selector = FileSelector(configuredGlob: config.files, mode: config.mode, warn: { logger.warning("\($0)") })
        slots = UploadSlots(limit: config.maxConcurrentUploads)
        startedAt = environment.clock()
        nextUploadNumber = Int(environment.clock())
        if !config.deviceId.isEmpty, let thing = ThingID(config.deviceId) {
            identity = DeviceIdentity(thing: thing, tenant: config.tenantId)
        }
        if config.startsActive {
            window = ActivationWindow(from: config.activeFrom, to: config.activeTill, period: config.period)
        }
    }

    // MARK: - Events from MQTT

    public func handle(_ event: MQTTEvent) {
        switch event {
        case .connected:
            connected = true
            logger.info("connected to MQTT broker \(config.broker)")
            if identity == nil {
                _ = environment.publisher.publish(topic: DeviceIdentity.requestTopic, payload: [])
                logger.info("no deviceId configured: asked the edge agent on \(DeviceIdentity.requestTopic)")
            }
            register()
        case .disconnected(let reason):
            connected = false
            logger.warning("disconnected from MQTT broker: \(reason); reconnecting")
        case .connectFailed(let reason):
            logger.warning("\(reason); retrying")
        case .message(let topic, let payload):
            if topic == DeviceIdentity.responseTopic {
                receiveIdentity(payload)
            } else {
                receiveCommand(topic: topic, payload: payload)
            }
        }
        writeStatus()
    }

    /// Registers the feature (every connect) and sends what waited for the connection.
    func register() {
        guard connected, let identity else { return }
        let messages = DittoMessages(thing: identity.thing, featureId: config.featureId)
        publish(messages.featureRegistration(type: config.type, context: config.context, autoUpload: autoUploadValue))
        logger.info("registered feature \(config.featureId) of \(identity.thing)")
        if window != nil && schedule == nil { reschedule() }
        let requests = unsentRequests
        unsentRequests = []
        for request in requests { publishRequest(request) }
        let pending = unsentLastUpload
        unsentLastUpload = [:]
        // In the order they happened: `lastUpload` is one property, the newest must land last.
        for (id, entry) in pending.sorted(by: { $0.value.sequence < $1.value.sequence }) {
            publishLastUpload(id, entry.value)
        }
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
        let parser = CommandParser(thing: identity.thing, featureId: config.featureId)
        switch parser.parse(topic: topic, payload: payload) {
        case .ignored(let reason):
            logger.debug("ignored: \(reason)")
        case .inbox(let message):
            let outcome: OperationError?
            switch message.operation {
            case .failure(let error): outcome = error
            case .success(let operation): outcome = perform(operation)
            }
            if let outcome {
                logger.warning("\(message.operationName) refused (\(outcome.status)): \(outcome.message)")
            } else {
                logger.info("\(message.operationName) done")
            }
            guard message.responseRequired else { return }
            let response = DittoMessages.response(to: message, error: outcome)
            _ = environment.publisher.publish(topic: message.hono.responseTopic(status: outcome?.status ?? 204),
                                              payload: response.serialized())
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

    func publishLastUpload(_ parentId: String, _ value: JSONValue) {
        if let identity, connected {
            let envelope = DittoMessages(thing: identity.thing, featureId: config.featureId)
                .propertyUpdate("lastUpload", value: value)
            if environment.publisher.publish(topic: "e", payload: envelope.serialized()) { return }
        }
        unsentSequence += 1
        unsentLastUpload[parentId] = (unsentSequence, value)
        trimUnsent()
    }

    func publishRequest(_ envelope: JSONValue) {
        if !connected || !environment.publisher.publish(topic: "e", payload: envelope.serialized()) {
            unsentRequests.append(envelope)
            trimUnsent()
        }
    }

    private func trimUnsent() {
        if unsentRequests.count > Self.maxUnsent { unsentRequests.removeFirst(unsentRequests.count - Self.maxUnsent) }
        while unsentLastUpload.count > Self.maxUnsent,
              let oldest = unsentLastUpload.min(by: { $0.value.sequence < $1.value.sequence })?.key {
            unsentLastUpload[oldest] = nil
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
