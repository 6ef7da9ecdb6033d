import Dispatch
import Logging
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// The running daemon: wires configuration, logging, the MQTT connection, the feature,
/// the transfer engine and the status file, then runs until SIGTERM/SIGINT.
public final class Agent: Sendable {
    let config: AgentConfig
    let unknownConfigKeys: [String]
    /// Which config file the agent runs on ("config file …"): the first line of its log,
    /// so an operator who replaced Kanto sees that its file was picked up.
    let configSource: String?

    public init(config: AgentConfig, unknownConfigKeys: [String], configSource: String? = nil) {
        self.config = config
        self.unknownConfigKeys = unknownConfigKeys
        self.configSource = configSource
    }

    /// Runs until SIGTERM/SIGINT; returns the exit code.
    public func run() async -> Int32 {
        let sink = LogSink(path: config.logFile, maxMegabytes: config.logFileSize, keep: config.logFileCount,
                           maxAgeDays: config.logFileMaxAge)
        let logger = Logger(label: "file-upload-agent") { _ in
            AgentLogHandler(level: AgentLogHandler.level(config.logLevel), sink: sink)
        }
        if let configSource { logger.info("\(configSource)") }
        for key in unknownConfigKeys { logger.warning("config key '\(key)' is not known and was ignored") }

        var settings = TransferSettings(config: config)
        let budgetStore = config.dataBudget.map { _ in
            DataBudgetStore(stateDir: config.stateDir) { logger.error("data budget: \($0)") }
        }
        if let budgetStore, let limit = config.dataBudget {
            StatusFileWriter.makeDirectory(config.stateDir)
            settings.link = LinkAllowance(timetable: config.bandwidth, budget: budgetStore.load(limit, now: systemWallClock()),
                                          budgetChanged: { budgetStore.save($0) })
        }
        let link = settings.link
        let engine = CurlTransferPool(settings: settings, engines: config.transferThreads > 0 ? config.transferThreads : nil)
        let statusWriter = StatusFileWriter(path: config.statusFile,
                                            minimumInterval: ProgressPolicy.standard.statusInterval) { problem in
            logger.error("status file: \(problem)")
        }
        // Unbounded: a burst of commands is queued, never dropped to make room. The
        // feature handles each in O(1), so the queue drains as fast as the broker fills it.
        let events = EventInbox<FeatureEvent>()
        let connection: MQTTConnection
        do {
            let clientId = "file-upload-agent-\(getpid())-\(Int(systemWallClock()))"
            connection = try MQTTConnection(options: try MQTTOptions(config: config, clientId: clientId),
                                            subscriptions: [HonoTopic.subscription, DeviceIdentity.responseTopic],
                                            onEvent: { events.yield(.mqtt($0)) })
        } catch {
            logger.critical("cannot set up MQTT: \(error)")
            return 2
        }
        let broker = config.broker
        var environment = FeatureEnvironment(
            publisher: connection, transport: engine,
            statusSink: { statusWriter.submit($0) },
            connectionStatus: {
                ConnectionStatus(broker: RedactedURL.describe(broker), connected: connection.isConnected,
                                 lastError: Nullable(connection.lastError), reconnects: connection.reconnects)
            },
            logger: logger, link: link)
        environment.syncLog = { sink.sync() }
        let feature = AutoUploadableFeature(config: config, environment: environment, durable: true, mailbox: events)
        await feature.restore()
        await feature.writeStatus()

        let notifier = SystemdNotifier()
        // Pings only while the feature actor and the transfer thread answer (WatchdogPulse).
        let watchdog = notifier.watchdogInterval.map { halfTimeout in
            WatchdogPulse(deadline: halfTimeout, probes: [
                .init("the feature") { await feature.heartbeat() },
                .init("the transfer engine") { await engine.heartbeat() },
            ], ping: { notifier.notify("WATCHDOG=1") }, stalled: { logger.critical("watchdog: \($0)") })
        }
        logger.info("file-upload-agent \(AgentVersion.current) starting; broker \(RedactedURL.describe(config.broker))")
        connection.start()

        // SIGTERM or SIGINT starts swift-service-lifecycle's graceful shutdown: the feature
        // stops (bounded by `stopTimeout`) while events keep flowing, since the broker's
        // acknowledgements of the PAUSED statuses arrive through them; then the loop ends.
        let connectedTo = "READY=1\nSTATUS=connected to \(RedactedURL.describe(config.broker))"
        let daemon = ClosureService {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    guard (try? await gracefulShutdown()) != nil else { return }
                    logger.notice("stopping: SIGTERM or SIGINT received")
                    notifier.notify("STOPPING=1")
                    await feature.shutdown()
                    events.finish()
                }
                var ready = false
                while let batch = await events.next() {
                    await feature.handle(batch)
                    if !ready, batch.contains(where: { if case .mqtt(.connected) = $0 { true } else { false } }) {
                        ready = true
                        notifier.notify(connectedTo)
                    }
                }
                group.cancelAll()
            }
        }
        let services = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [daemon], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await services.run()
        } catch {
            logger.error("stopped after an error: \(error)")
        }

        connection.stop()
        engine.shutdown()
        if let budgetStore, let budget = link?.budget { budgetStore.saveNow(budget) }
        watchdog?.cancel()
        statusWriter.flush()
        logger.info("stopped")
        return 0
    }
}
