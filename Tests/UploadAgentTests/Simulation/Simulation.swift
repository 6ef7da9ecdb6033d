import Logging
@testable import UploadAgent
#if canImport(Glibc)
import Glibc
#endif

/// One seeded run of the real feature (its decisions, its journal code on real files)
/// in a simulated world: a broker, a backend, storage servers, a disk whose writes run a
/// step at a time, and a virtual clock. Every step is chosen by the seed: a command
/// arrives, a message or acknowledgement moves, a write reaches the disk, a transfer moves
/// on or fails, time passes, the link drops, or the power is cut (crashes also come at
/// the seed's chosen journal write, sometimes tearing it, sometimes after damaging a
/// record). Invariants are checked after every step; at the end the world calms down and
/// every upload the backend heard of must have ended, and been told.
final class Simulation {
    let seed: UInt64
    private var random: SeededRandom
    private let directory: String
    private let clock = TestClock(now: 1_800_000_000)
    private let disk = SimulatedDisk()
    private let broker = SimulatedBroker()
    private let storage = SimulatedStorage()
    private let backend: SimulatedBackend
    private let config: AgentConfig
    private var feature: AutoUploadableFeature!
    private var trace: [String] = []
    private var violations: [String] = []
    private var writes = 0
    private var writesChecked = 0
    private var crashAtWrite: Int
    private let tears: Bool
    private let damages: Bool
    private var crashes = 0
    private var events = 0
    private var tornWrites = 0
    private var stops = 0
    private var damagedRecords = 0
    /// A data budget on some seeds: once the transfers spent it, the link carries nothing
    /// until its period ends (the engine holds the bytes; the feature reports PAUSED).
    /// Kept across restarts, as the daemon's budget file keeps what was spent.
    private let link: LinkAllowance?
    private var heldSteps = 0
    private var linkHeldAt = -Double.infinity
    private var newSession = true
    /// Uploads whose final `lastUpload` this run of the agent saw acknowledged: it must not
    /// send them again (a restarted agent may: it cannot know).
    private var acknowledgedEnds: Set<String> = []

    static let randomSteps = 250...500
    static let calmSteps = 20_000
    static let stopSteps = 5_000
    static let maxTriggers = 6

    init(seed: UInt64, root: String) {
        self.seed = seed
        random = SeededRandom(seed: seed)
        directory = "\(root)/seed-\(seed)"
        _ = system("rm -rf '\(directory)'")
        mkdir(directory, 0o755)
        mkdir("\(directory)/files", 0o755)
        mkdir("\(directory)/state", 0o700)
        var files: [(path: String, size: Int64)] = []
        for index in 1...(1 + random.below(8)) {
            let path = "\(directory)/files/f\(index).log"
            let size = random.below(5) == 0 ? 0 : 1 + random.below(5000)
            let handle = fopen(path, "w")!
            fwrite([UInt8](repeating: UInt8(65 + index), count: size), 1, size, handle)
            fclose(handle)
            files.append((path, Int64(size)))
        }
        backend = SimulatedBackend(files: files, storage: storage)
        var config = AgentConfig()
        config.deviceId = "edge:device"
        config.tenantId = "t1"
        config.files = "\(directory)/files/*.log"
        config.stateDir = "\(directory)/state"
        config.requestTimeout = 20
        config.period = 5
        config.maxConcurrentUploads = 1 + random.below(3)
        config.requestWindow = 1 + random.below(4)
        // Its own stream too: on half the seeds small files share the slots of large ones
        // (the queue fills), on the others a few more of them run at once.
        var slotRandom = SeededRandom(seed: seed ^ 0x736c6f74)
        config.maxConcurrentSmallUploads = slotRandom.chance(0.5) ? config.maxConcurrentUploads
                                                                   : config.maxConcurrentUploads + 1 + slotRandom.below(6)
        // Drawn from a stream of its own, so the seeds without a budget run as they always did.
        var linkRandom = SeededRandom(seed: seed ^ 0x6c696e6b)
        let clock = self.clock
        if linkRandom.chance(0.3) {
            let limit = DataBudget.Limit(bytes: Int64(2000 + linkRandom.below(20_000)), period: Double(20 + linkRandom.below(300)))
            config.dataBudget = limit  // as the agent's config says it
            link = LinkAllowance(timetable: .unlimited,
                                 budget: DataBudget(limit: limit.bytes, period: limit.period, periodStart: clock.now()),
                                 clock: { clock.now() })
        } else {
            link = nil
        }
        self.config = config
        crashAtWrite = 1 + Int(seed % 40)
        tears = (seed / 40) % 2 == 1
        damages = seed % 3 == 0
    }

    /// Runs the seed: the violations found (none: it held), the steps that led there, and
    /// what the run went through.
    func run() async -> SimulationReport {
        defer { _ = system("rm -rf '\(directory)'") }
        await boot()
        await connect()
        let steps = Int.random(in: Self.randomSteps, using: &random)
        for step in 0..<steps where violations.isEmpty && storage.violations.isEmpty {
            await randomStep()
            await check(step: step)
        }
        if violations.isEmpty { await calm() }
        if violations.isEmpty { await finalCheck() }
        var endings: [String: Int] = [:]
        for state in backend.finals.values { endings[state, default: 0] += 1 }
        return SimulationReport(violations: violations + backend.violations + storage.violations, trace: trace, events: events,
                                heldSteps: heldSteps, crashes: crashes, stops: stops,
                                tornWrites: tornWrites, damagedRecords: damagedRecords, resumes: storage.resumes, endings: endings)
    }

    // MARK: - The agent's life

    private func boot() async {
        var logger = Logger(label: "simulation")
        logger.logLevel = .critical
        var environment = FeatureEnvironment(publisher: broker, transport: ScriptedTransport(), statusSink: { _ in },
                                             connectionStatus: { .sample }, clock: clock, logger: logger, link: link)
        environment.transferLauncher = storage
        environment.journalQueues = disk.queues
        environment.timersSleep = false
        feature = AutoUploadableFeature(config: config, environment: environment, durable: true)
        await feature.restore()
        let restored = await feature.core.registry.uploads.values.map { "\($0.correlationId) \($0.state)" }.sorted()
        note("boot: the journal holds \(restored)")
        newSession = true
        acknowledgedEnds = []
        await drain()
    }

    private func connect() async {
        broker.connect(newSession: newSession)
        newSession = false
        note("connect")
        await handle(FeatureEvent.mqtt(.connected))
    }

    private func disconnect() async {
        note("disconnect")
        arrive(broker.disconnect { random.below($0 + 1) })
        await handle(FeatureEvent.mqtt(.disconnected(reason: "simulated cut")))
    }

    /// The power is cut: what was not written is gone, the connections close, a new
    /// process starts from the disk.
    private func crash(tearing done: SimulatedDisk.Done? = nil) async {
        crashes += 1
        disk.crash()
        if let done {
            let kept = Int64(random.below(Int(done.sizeAfter - done.sizeBefore)))
            SimulatedDisk.tear(done, keeping: kept)
            tornWrites += 1
            note("crash during a write of \(done.path.split(separator: "/").last!) (kept \(kept) of \(done.sizeAfter - done.sizeBefore) bytes)")
        } else {
            note("crash")
        }
        arrive(broker.disconnect { random.below($0 + 1) })
        storage.dropTransfers()
        if damages && random.chance(0.5) { damageJournal() }
        if random.chance(0.2) {
            // The gateway has no real-time clock: it boots in the past (NTP corrects it later).
            let jump = -Double(1 + random.below(120))
            clock.jumpWall(by: jump)
            note("the wall clock jumps \(jump) s")
        }
        await boot()
        if random.chance(0.7) { await connect() }
    }

    /// SIGTERM: the feature stops as the daemon does (uploads still running after
    /// `stopTimeout` are suspended PAUSED, the PAUSED statuses wait for acknowledgements,
    /// the state folder is synced) while the world goes on; then the process exits and a
    /// new one starts. Nothing may be lost: the end check sees every upload through.
    private func stopGracefully() async {
        note("SIGTERM")
        let stopped = AtomicFlag()
        await feature.beginStop { stopped.set() }
        var steps = 0
        let crashed = crashes
        while !stopped.isSet {
            // A power cut during the stop (at the seed's journal write) ends it: the
            // process that boots then is already running.
            guard crashes == crashed else { return }
            steps += 1
            guard steps < Self.stopSteps else { return violations.append("the stop did not end within \(Self.stopSteps) steps") }
            switch random.below(5) {
            case 0: await deliverMessage()
            case 1: await acknowledge(again: false)
            case 2: await writeToDisk()
            case 3: await moveTransfer(calm: false)
            default: await passTime()
            }
            await drain()
        }
        note("stopped")
        stops += 1
        disk.crash()  // a graceful stop left nothing queued; what it did not sync is lost
        arrive(broker.disconnect { random.below($0 + 1) })
        storage.dropTransfers()
        await boot()
        if random.chance(0.7) { await connect() }
    }

    /// Spoils one record of the journal beyond repair (two digits of its checksum), as
    /// failing storage would; the uploads it named may then end FAILED.
    private func damageJournal() {
        let path = "\(config.stateDir)/\(UploadJournal.fileName)"
        guard case .success(var bytes) = AppendLog.readBytes(path: path), !bytes.isEmpty else { return }
        var starts: [Int] = [0]
        for index in bytes.indices where bytes[index] == 10 && index + 1 < bytes.count { starts.append(index + 1) }
        let candidates = starts.filter { start in
            let line = bytes[start...].prefix { $0 != 10 }
            return String(decoding: line, as: UTF8.self).contains("\"upload\"")
        }
        guard let start = random.pick(candidates.isEmpty ? starts : candidates), start + 9 < bytes.count else { return }
        let line = bytes[start...].prefix { $0 != 10 }
        for offset in [0, 1] {
            bytes[start + offset] = bytes[start + offset] == UInt8(ascii: "0") ? UInt8(ascii: "7") : UInt8(ascii: "0")
        }
        guard let handle = fopen(path, "w") else { return }
        _ = fwrite(bytes, 1, bytes.count, handle)
        fclose(handle)
        let named = DamagedRecordSalvage.uploadIds(in: line).map(SimulatedBackend.parent)
        backend.damaged.formUnion(named)
        damagedRecords += 1
        note("damaged a journal record naming \(named.sorted())")
    }

    // MARK: - Steps

    private func randomStep() async {
        let choice = random.below(100)
        switch choice {
        case 0..<12: await deliverCommand()
        case 12..<28: await deliverMessage()
        case 28..<40: await acknowledge(again: random.chance(0.05))
        case 40..<55: await writeToDisk()
        case 55..<70: await moveTransfer(calm: false)
        case 70..<86: await backendActs()
        case 86..<95: await passTime()
        case 95..<98:
            if broker.connected { await disconnect() } else { await connect() }
        case 98: if random.chance(0.5) { await crash() } else { await stopGracefully() }
        default:
            if !broker.connected { await connect() }
        }
        await drain()
    }

    private func deliverCommand() async {
        guard broker.connected, let command = backend.takeCommand() else { return }
        await hand(command)
    }

    private func hand(_ command: (topic: String, payload: [UInt8])) async {
        note("command \(command.topic)")
        if let (rid, id) = backend.cancelled(by: command.topic), await feature.core.registry.upload(id)?.state.isFinal == false {
            backend.cancelsOfRunning.insert(rid)
        }
        await handle(FeatureEvent.mqtt(.message(topic: command.topic, payload: command.payload)))
    }

    private func deliverMessage() async {
        guard let message = broker.deliver(choose: { random.below($0) }) else { return }
        arrive([message])
    }

    /// Hands messages to the backend.
    private func arrive(_ messages: [SimulatedBroker.Message]) {
        for message in messages {
            if let end = SimulatedBackend.finalLastUpload(in: message.payload), acknowledgedEnds.contains(end) {
                violations.append("the end of upload \(end) was sent again after the broker acknowledged it (same run of the agent)")
            }
            backend.receive(topic: message.topic, payload: message.payload)
            note("  delivered #\(message.id): \(backend.received.last ?? "")")
        }
    }

    private func acknowledge(again: Bool) async {
        guard broker.connected, let message = broker.acknowledgement(choose: { random.below($0) }, again: again) else { return }
        note("ack #\(message.id)\(again ? " (again later)" : "")")
        if let end = SimulatedBackend.finalLastUpload(in: message.payload) { acknowledgedEnds.insert(end) }
        await handle(FeatureEvent.mqtt(.acknowledged(messageId: message.id)))
    }

    private func writeToDisk() async {
        guard let done = disk.runNext(choose: { random.below($0) }) else { return }
        writes += 1
        note("write \(writes) to \(done.path.split(separator: "/").last!) (\(done.sizeBefore) -> \(done.sizeAfter) bytes)")
        if writes == crashAtWrite {
            await crash(tearing: tears && done.sizeAfter > done.sizeBefore ? done : nil)
            if random.chance(0.5) { crashAtWrite = writes + 1 + random.below(40) }
        }
    }

    private func moveTransfer(calm: Bool) async {
        guard let transfer = random.pick(storage.transfers) else { return }
        let fileId = transfer.fileId
        if transfer.task.isCancelled {
            storage.end(fileId, stored: false)
            note("transfer \(fileId) ends cancelled")
            await handle(FeatureEvent.transfer(fileId: fileId, .finished(.failure(.cancelled))))
            return
        }
        let roll = calm ? 40 : random.below(100)
        if roll < 75, let hold = link?.hold() {
            // The engine sends nothing while the budget is spent; servers may still fail.
            heldSteps += 1
            note("transfer \(fileId) held: \(hold.reason)")
            if calm { await passTime() }
            return
        }
        switch roll {
        case 0..<40:
            if let moved = storage.progress(fileId, by: Int64(1 + random.below(2000))), moved.sent < transfer.size {
                link?.spend(Int(moved.sent - transfer.sent))
                note("transfer \(fileId) at \(moved.sent) of \(transfer.size)\(moved.confirmed == nil ? "" : ", confirmed")")
                await handle(FeatureEvent.transfer(fileId: fileId, .progress(moved.sent)))
                if let confirmed = moved.confirmed { await handle(FeatureEvent.transfer(fileId: fileId, .confirmed(confirmed))) }
                return
            }
            fallthrough
        case 40..<75:
            link?.spend(Int(transfer.size - transfer.sent))
            storage.end(fileId, stored: true)
            note("transfer \(fileId) stored whole")
            if transfer.resumable { await handle(FeatureEvent.transfer(fileId: fileId, .confirmed(nil))) }
            await handle(FeatureEvent.transfer(fileId: fileId, .finished(.success(()))))
        case 75..<90:
            storage.end(fileId, stored: false)
            note("transfer \(fileId) failed")
            await handle(FeatureEvent.transfer(fileId: fileId, .finished(.failure(.failed("the server answered 500")))))
        default:
            storage.end(fileId, stored: false)
            note("transfer \(fileId): credentials refused")
            await handle(FeatureEvent.transfer(fileId: fileId, .finished(.failure(.credentialsRefused("the server answered 403: expired")))))
        }
    }

    private func backendActs() async {
        let roll = random.below(100)
        if roll < 20, backend.triggered < Self.maxTriggers {
            let id = backend.trigger(silent: random.chance(0.3))
            note("backend triggers \(id)\(backend.silent.contains(id) ? " (and will not answer its requests)" : "")")
        } else if roll < 85, let index = random.pick(backend.answerable) {
            note("backend starts \(backend.start(index))")
        } else if roll < 89, let id = random.pick(backend.unfinished) {
            backend.cancel(id)
            note("backend cancels \(id)")
        } else if roll < 90 {
            let now = clock.now()
            let end = now + 5 + Double(random.below(20))
            backend.activate(from: now - 1, to: end)
            note("backend activates periodic uploads until +\(end - now) s")
        } else if roll < 93 {
            backend.deactivate()
            note("backend deactivates")
        } else if let transfer = random.pick(storage.transfers) {
            backend.startAgain(transfer.fileId)
            note("backend starts \(transfer.fileId) again")
        }
    }

    /// Moves the clock to the next timer (or a little) and lets what is due expire.
    private func passTime() async {
        let timers = await feature.timers
        let now = clock.uptime()
        let step = timers.nextDeadline.map { max(0, $0 - now) } ?? (0.1 + Double(random.below(20)) / 10)
        clock.advance(by: step)
        note("time +\(step) s")
        for event in timers.due(by: clock.uptime()) { await handle(event) }
    }

    /// Hands one event to the agent (every event the core handles goes through here).
    private func handle(_ event: FeatureEvent) async {
        events += 1
        await feature.handle(event)
    }

    /// Handles what the disk's callbacks posted (journal records on disk).
    private func drain() async {
        while case let batch = feature.mailbox.takeAll(), !batch.isEmpty {
            for event in batch { await handle(event) }
        }
    }

    // MARK: - Checks

    private func check(step: Int) async {
        let starved = await feature.starvedUploads()
        if !starved.isEmpty { violations.append("step \(step): upload(s) \(starved) wait for requests with none in flight") }
        await checkLinkHold(step: step)
        await checkSlots(step: step)
        // The journal is compared once the disk has caught up: after a write, and every
        // tenth step (reading it back at every step would cost most of the run).
        guard !disk.hasPending, writes != writesChecked || step % 10 == 0 else { return }
        writesChecked = writes
        if let disagreement = await feature.journalDisagreement() {
            violations.append("step \(step): the journal on disk disagrees with the live state: \(disagreement)")
        }
    }

    /// No more faults: the link stays up, servers take every byte, the backend answers
    /// every request it means to; run until nothing is left to do.
    private func calm() async {
        note("calm")
        for _ in 0..<Self.calmSteps {
            if !broker.connected {
                await connect()
            } else if let command = backend.takeCommand() {
                await hand(command)
            } else if broker.inFlightCount > 0 {
                await deliverMessage()
            } else if broker.acknowledgementCount > 0 {
                await acknowledge(again: false)
            } else if disk.hasPending {
                _ = disk.runNext { _ in 0 }
            } else if !storage.transfers.isEmpty {
                await moveTransfer(calm: true)
            } else if let index = backend.answerable.first {
                note("backend starts \(backend.start(index))")
            } else if await feature.timers.nextDeadline != nil {
                await passTime()
            } else {
                return
            }
            await drain()
            let starved = await feature.starvedUploads()
            if !starved.isEmpty { return violations.append("calm: upload(s) \(starved) wait for requests with none in flight") }
        }
        violations.append("the world did not settle within \(Self.calmSteps) calm steps")
    }

    /// No more files run than the slots allow: large ones within `maxConcurrentUploads`,
    /// all of them within `maxConcurrentSmallUploads`.
    private func checkSlots(step: Int) async {
        let core = await feature.core
        let running = core.pipeline.running
        let large = running.filter { (core.registry.file($0)?.size ?? 0) > UploadSlots.smallFileSize }.count
        let total = config.limitsLink ? config.maxConcurrentUploads : max(config.maxConcurrentUploads, config.maxConcurrentSmallUploads)
        if running.count > total || large > config.maxConcurrentUploads {
            violations.append("step \(step): \(running.count) file(s) run (\(large) large), the slots allow \(total) (\(config.maxConcurrentUploads) large)")
        }
    }

    /// Uploads the link held go on once it carries again: a running agent must not leave
    /// one PAUSED for the link two housekeeping rounds after the hold ended.
    private func checkLinkHold(step: Int) async {
        guard let link else { return }
        if link.hold() != nil { linkHeldAt = clock.uptime() }
        guard clock.uptime() - linkHeldAt > 2 else { return }
        let core = await feature.core
        guard core.accepting else { return }
        let stuck = core.registry.live.filter { id in
            guard let upload = core.registry.upload(id) else { return false }
            return upload.state == .paused && upload.message.hasPrefix("paused: ")
        }
        if !stuck.isEmpty { violations.append("step \(step): upload(s) \(stuck) still PAUSED for the link after its hold ended") }
    }

    private func finalCheck() async {
        for id in backend.unfinished {
            let held = await feature.core.registry.upload(id).map { "the agent holds it \($0.state)" } ?? "the agent does not know it"
            violations.append("upload \(id): the backend heard of it but was never told it ended (\(held))")
        }
        violations += backend.settledViolations()
        if let leftovers = await feature.leftovers() { violations.append("after the end the feature still holds \(leftovers)") }
        if let disagreement = await feature.journalDisagreement() {
            violations.append("at the end the journal disagrees with the live state: \(disagreement)")
        }
    }

    private func note(_ line: String) { trace.append("[\((clock.uptime() * 100).rounded() / 100) s] \(line)") }
}
