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
        timers.cancel(.activation)
        nextRunAt = nil
    }

    /// Replaces any armed run with one for the current window: a new window or period
    /// never leaves two schedules running (arming replaces, and a stale expiry is ignored).
    func reschedule() {
        cancelSchedule()
        scheduleNextRun()
    }

    /// Arms the next run; when the window has none left, an expiry at once that closes it
    /// (after the command that got here has been answered, as every run comes).
    func scheduleNextRun() {
        guard let window else { return }
        let now = environment.clock.now()
        nextRunAt = window.nextRun(now: now, lastRun: lastRun)
        scheduleStatus()
        timers.arm(.activation, after: nextRunAt.map { $0 - now } ?? 0)
    }

    /// The armed run is due: the periodic trigger, then the next run; or the window's end.
    func activationDue() {
        guard accepting, window != nil else { return }
        guard let next = nextRunAt else {
            windowClosed()
            return
        }
        periodicTrigger(at: next)
        scheduleNextRun()
    }

    func windowClosed() {
        logger.info("activation window closed")
        window = nil
        lastRun = nil
        journalWindow()
        nextRunAt = nil
        publishAutoUpload()
        scheduleStatus()
    }

    func periodicTrigger(at time: Double) {
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
