import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The AutoUploadable feature as the daemon runs it: the shell around `FeatureCore`. It
/// feeds the core one event at a time, in the order they came (the mailbox), at the time
/// read from the injected clock, and performs the effects the core returns, in order:
/// publishing, journaling, storing credentials, arming timers, running transfers, writing
/// the status file. Being an actor, it needs no locks; the decisions are all in the core.
public actor AutoUploadableFeature {
    let config: AgentConfig
    let environment: FeatureEnvironment
    var logger: Logger { environment.logger }
    /// The decisions and all the state they are made on.
    var core: FeatureCore
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
    /// The transfers (and gzip copies) running, by file, to cancel.
    var transfers: [String: Task<Void, Never>] = [:]
    /// The flags that stop the archives being written, by upload.
    var archiveWrites: [String: AtomicFlag] = [:]
    /// Who waits for the stop to complete.
    var stopWaiters: [@Sendable () -> Void] = []

    init(config: AgentConfig, environment: FeatureEnvironment, durable: Bool = false,
         mailbox: EventInbox<FeatureEvent> = EventInbox()) {
        self.mailbox = mailbox
        timers = FeatureTimers(clock: environment.clock, mailbox: mailbox, sleeps: environment.timersSleep)
        work = FeatureWork(mailbox: mailbox, logger: environment.logger, launcher: environment.transferLauncher)
        self.config = config
        self.environment = environment
        let logger = environment.logger
        let selector = FileSelector(configuredGlob: config.files, mode: config.mode, warn: { logger.warning("\($0)") })
        let (serverClock, transport, clock) = (self.serverClock, environment.transport, environment.clock)
        core = FeatureCore(
            config: config, logger: logger, reads: LiveFeatureReads(selector: selector, link: environment.link),
            durable: durable, time: FeatureTime(environment.clock),
            makeStorageProvider: { fileId, options, deviceId in
                let context = ProviderContext(
                    config: config, network: transport, deviceId: deviceId, clock: clock, serverClock: serverClock,
                    onRetry: { attempt, reason in
                        mailbox.yield(.transfer(fileId: fileId, .retrying(attempt: attempt, reason: reason)))
                    })
                return try StorageProviders.make(options: options, context: context)
            })
        if durable {
            let report: @Sendable (String) -> Void = { logger.error("state folder: \($0)") }
            StatusFileWriter.makeDirectory(config.stateDir)
            let queues = environment.journalQueues ?? DispatchLogWriterQueue.make
            journal = UploadJournal(stateDir: config.stateDir, queues: queues, onError: report)
            credentials = CredentialStore(stateDir: config.stateDir, queues: queues, onError: report)
        } else {
            journal = nil
            credentials = nil
        }
    }

    // MARK: - Feeding the core

    /// The events that came in together, in order, in one visit of the actor.
    func handle(_ events: [FeatureEvent]) {
        for event in events { handle(event) }
    }

    func handle(_ event: FeatureEvent) {
        switch event {
        case .timer(let timer, let token):
            timers.expired(timer, token: token)
        case .transfer(let fileId, .finished):
            transfers[fileId] = nil
        case .compressed(let item, _, _, _):
            transfers[item.fileId] = nil
        case .archiveWritten(let parentId, _, _):
            archiveWrites[parentId] = nil
        default:
            break
        }
        perform(core.handle(event, at: FeatureTime(environment.clock)))
    }

    public func handle(_ event: MQTTEvent) {
        handle(.mqtt(event))
    }

    /// Runs a step of the core outside an event (start-up, a stop, a test's probe) and
    /// performs what it decided.
    @discardableResult
    func step<Result>(_ decide: (inout FeatureCore) -> Result) -> Result {
        var result: Result?
        let effects = core.step(at: FeatureTime(environment.clock)) { result = decide(&$0) }
        perform(effects)
        return result!
    }

    /// Performs effects in order; what the world answers at once (the broker client's
    /// message ids, a failure to start) goes back into the core before any other event,
    /// and its effects are performed in turn.
    private func perform(_ effects: [FeatureEffect]) {
        var answers: [FeatureEvent] = []
        for effect in effects {
            if let answer = perform(effect) { answers.append(answer) }
        }
        for answer in answers { perform(core.handle(answer, at: FeatureTime(environment.clock))) }
    }

    private func perform(_ effect: FeatureEffect) -> FeatureEvent? {
        switch effect {
        case .publish(let topic, let payload, let tracking):
            let messageId = environment.publisher.publish(topic: topic, payload: payload)
            if let tracking, let messageId { return .published(tracking, messageId: messageId) }
        case .journal(let entries):
            journal?.record(contentsOf: entries)
        case .compactJournal(let entries):
            journal?.compact(entries)
        case .compactJournalIfNeeded:
            if let journal, journal.needsCompaction { journal.compact(core.journalSnapshot()) }
        case .syncState:
            journal?.sync()
            credentials?.sync()
        case .storeCredentials(let fileId, let options):
            credentials?.set(options, for: fileId)
        case .forgetCredentials(let fileId):
            credentials?.remove(fileId)
        case .dropEmptyCredentialFile:
            credentials?.removeFileIfEmpty()
        case .askDisk(let sequence):
            askDisk(through: sequence)
        case .arm(let timer, let deadline, let token):
            timers.arm(timer, deadline: deadline, token: token)
        case .disarm(let timer):
            timers.cancel(timer)
        case .transfer(let start):
            transfers[start.item.fileId] = transfer(start)
        case .compress(let item, let member, let copy, let opened):
            StatusFileWriter.makeDirectory(core.archiveStage.folder)
            transfers[item.fileId] = work.compress(item, member: member, stage: core.archiveStage, to: copy, opened: opened)
        case .cancelTransfer(let fileId):
            transfers.removeValue(forKey: fileId)?.cancel()
        case .keepServerStateOnCancel:
            suspending.set()
        case .discard(let held, let source, let provider):
            work.discard(held, of: source, with: provider)
        case .writeArchive(let parentId, let manifest, let path, let saveManifest):
            if saveManifest {
                do throws(ArchiveError) {
                    try manifest.save(forArchive: path)
                } catch {
                    return .archiveWritten(parentId: parentId, path: path, .failure(error))
                }
            }
            let cancelled = AtomicFlag()
            archiveWrites[parentId] = cancelled
            work.writeArchive(parentId, manifest: manifest, stage: core.archiveStage, to: path, cancelled: cancelled)
        case .stopArchive(let parentId):
            archiveWrites[parentId]?.set()
        case .discardStaged(let path):
            ArchiveStage.discard(path)
        case .deleteUploaded(let file, let isArchive, let members, let afterDisk):
            let logger = self.logger
            let delete: @Sendable () -> Void = {
                if !isArchive { return UploadedFileDeletion.delete(file, logger: logger) }
                if members { ArchiveStage.deleteMembers(of: file.path, logger: logger) }
                ArchiveStage.discard(file.path)
            }
            if afterDisk, let journal { journal.whenDurable(delete) } else { delete() }
        case .sweepStage(let staged):
            let swept = core.archiveStage.sweep(keeping: staged)
            if swept > 0 { logger.notice("state folder: removed \(swept) archive(s) or compressed copies of uploads that had ended") }
        case .writeStatus(let status):
            environment.statusSink(statusDocument(status))
        case .syncLog:
            environment.syncLog()
        case .stopped:
            let waiters = stopWaiters
            stopWaiters = []
            for waiter in waiters { waiter() }
        }
        return nil
    }

    /// Posts `.durable(through: sequence)` once the journal and the credential store
    /// have written everything handed to them so far.
    private func askDisk(through sequence: Int) {
        guard let journal else { return mailbox.yield(.durable(through: sequence)) }
        let (credentials, mailbox) = (self.credentials, self.mailbox)
        let tell: @Sendable () -> Void = { mailbox.yield(.durable(through: sequence)) }
        journal.whenDurable {
            if let credentials { credentials.whenDurable(tell) } else { tell() }
        }
    }

    /// Runs a started file's transfer on a task of its own: its progress (throttled),
    /// the server's confirmations and its end come back through the mailbox.
    private func transfer(_ start: TransferStart) -> Task<Void, Never> {
        let (fileId, mailbox, suspending) = (start.item.fileId, self.mailbox, self.suspending)
        let relay = ProgressRelay(size: start.source.size, interval: FeatureCore.progressPolicy.relayInterval) { bytes in
            mailbox.yield(.transfer(fileId: fileId, .progress(bytes)))
        }
        let resumption = UploadResumption(
            from: start.resumingFrom,
            confirmed: { progress in mailbox.yield(.transfer(fileId: fileId, .confirmed(progress))) },
            keepsServerStateOnCancel: { suspending.isSet })
        return work.transfer(fileId, provider: start.item.provider, source: start.source, resumption: resumption,
                             progress: relay, holding: start.holding)
    }

    // MARK: - Start, status, stop

    /// Reads the journal and the credential store and resumes from them. Call once,
    /// before the connection starts.
    public func restore() {
        guard let journal, let credentials else { return }
        let report: (String) -> Void = { [logger] problem in logger.error("state folder: \(problem)") }
        let state = journal.load(now: environment.clock.now(), problems: report)
        credentials.load(problems: report)
        let stored = credentials.options
        step { $0.restore(from: state, credentials: stored) }
    }

    /// Writes the status file now.
    public func writeStatus() {
        step { $0.writeStatus() }
    }

    /// The status document (PROTOCOL.md section 8) as of now.
    func statusDocument() -> StatusDocument {
        statusDocument(core.status())
    }

    /// The whole status document: the core's part, and what only the daemon knows.
    private func statusDocument(_ status: FeatureStatus) -> StatusDocument {
        StatusDocument(
            agent: AgentStatus(version: AgentVersion.current, pid: getpid(), startedAt: RFC3339.format(core.startedAt),
                               updatedAt: RFC3339.format(status.updatedAt)),
            mqtt: environment.connectionStatus(),
            thing: Nullable(status.thing), feature: status.feature, uploads: status.uploads, recent: status.recent,
            link: Nullable(environment.link?.status))
    }

    /// Stops taking commands and periodic runs and lets running uploads finish for up to
    /// `stopTimeout`. What still runs then is suspended, not cancelled: its transfer
    /// stops, the server keeps what it has, the upload is journaled and reported PAUSED,
    /// and the next start resumes it. Returns once the PAUSED statuses were acknowledged
    /// (or could not be) and the state folder is synced; events keep being handled meanwhile.
    public func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            beginStop { continuation.resume() }
        }
    }

    /// Starts the stop; `finished` runs once it is complete (at once for a second call).
    func beginStop(finished: @escaping @Sendable () -> Void) {
        guard core.stop == nil, core.accepting else { return finished() }
        stopWaiters.append(finished)
        step { $0.beginStop() }
    }
}
