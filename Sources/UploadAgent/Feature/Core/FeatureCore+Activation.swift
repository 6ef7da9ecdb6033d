/// activate and deactivate: periodic uploads inside a time window.
extension FeatureCore {
    mutating func activate(from: Double?, to: Double?) {
        schedule.replace(with: ActivationWindow(from: from, to: to, period: config.period))
        journalWindow()
        logger.info("periodic uploads activated from \(from.map(RFC3339.format) ?? "now") till \(to.map(RFC3339.format) ?? "forever"), every \(GoDuration.format(config.period))")
        reschedule()
        publishAutoUpload()
    }

    mutating func deactivate() {
        schedule.replace(with: nil)
        journalWindow()
        cancelSchedule()
        logger.info("periodic uploads deactivated")
        publishAutoUpload()
    }

    /// The window survives a restart, with the time of its last run.
    mutating func journalWindow() {
        record(.window(schedule.persisted))
    }

    mutating func cancelSchedule() {
        cancelTimer(.activation)
        schedule.unplan()
    }

    /// Replaces any armed run with one for the current window: a new window or period
    /// never leaves two schedules running (arming replaces, and a stale expiry is ignored).
    mutating func reschedule() {
        cancelSchedule()
        scheduleNextRun()
    }

    /// Arms the next run; when the window has none left, an expiry at once that closes it
    /// (after the command that got here has been answered, as every run comes).
    mutating func scheduleNextRun() {
        guard schedule.isActive else { return }
        let now = time.now
        let next = schedule.planNext(now: now)
        scheduleStatus()
        arm(.activation, after: next.map { $0 - now } ?? 0)
    }

    /// The armed run is due: the periodic trigger, then the next run; or the window's end.
    mutating func activationDue() {
        guard accepting, schedule.isActive else { return }
        guard let next = schedule.nextRunAt else {
            windowClosed()
            return
        }
        periodicTrigger(at: next)
        scheduleNextRun()
    }

    mutating func windowClosed() {
        logger.info("activation window closed")
        schedule.replace(with: nil)
        journalWindow()
        publishAutoUpload()
        scheduleStatus()
    }

    mutating func periodicTrigger(at runTime: Double) {
        schedule.ran(at: runTime)
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
