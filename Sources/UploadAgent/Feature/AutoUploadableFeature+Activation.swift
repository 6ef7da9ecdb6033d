/// activate and deactivate: periodic uploads inside a time window.
extension AutoUploadableFeature {
    func activate(from: Double?, to: Double?) {
        window = ActivationWindow(from: from, to: to, period: config.period)
        lastRun = nil
        journalWindow()
        logger.info("periodic uploads activated from \(from.map(RFC3339.format) ?? "now") till \(to.map(RFC3339.format) ?? "forever"), every \(GoDuration.format(config.period))")
        reschedule()
        publishAutoUpload()
    }

    func deactivate() {
        window = nil
        lastRun = nil
        journalWindow()
        cancelSchedule()
        logger.info("periodic uploads deactivated")
        publishAutoUpload()
    }

    /// The window survives a restart, with the time of its last run.
    func journalWindow() {
        journal?.record(.window(window.map { PersistedWindow(window: $0, lastRun: lastRun) }))
    }

    func cancelSchedule() {
        schedule?.cancel()
        schedule = nil
        nextRunAt = nil
        scheduleGeneration += 1
    }

    /// Replaces any running schedule with one for the current window: a new window or
    /// period never leaves two schedules running.
    func reschedule() {
        cancelSchedule()
        guard let window else { return }
        let generation = scheduleGeneration
        let clock = environment.clock
        let sleep = environment.sleep
        let previousRun = lastRun
        schedule = Task { [weak self] in
            var lastRun = previousRun
            while !Task.isCancelled {
                guard let next = window.nextRun(now: clock(), lastRun: lastRun) else {
                    await self?.windowClosed(generation)
                    return
                }
                await self?.setNextRun(next, generation)
                let wait = next - clock()
                if wait > 0 {
                    do { try await sleep(wait) } catch { return }
                }
                guard !Task.isCancelled, let self else { return }
                await self.periodicTrigger(generation, at: next)
                lastRun = next
            }
        }
    }

    func setNextRun(_ time: Double, _ generation: Int) {
        guard generation == scheduleGeneration else { return }
        nextRunAt = time
        scheduleStatus()
    }

    func windowClosed(_ generation: Int) {
        guard generation == scheduleGeneration else { return }
        logger.info("activation window closed")
        window = nil
        lastRun = nil
        journalWindow()
        nextRunAt = nil
        schedule = nil
        publishAutoUpload()
        scheduleStatus()
    }

    func periodicTrigger(_ generation: Int, at time: Double) {
        guard generation == scheduleGeneration, accepting else { return }
        lastRun = time
        journalWindow()
        defer { pump() }
        guard connected, identity != nil else {
            logger.warning("periodic upload skipped: not connected")
            return
        }
        do throws(OperationError) {
            try trigger(correlationId: nil, options: ["upload.priority": String(config.periodicPriority)])
        } catch {
            logger.warning("periodic upload not started: \(error.message)")
        }
    }
}
