/// The link's limits seen from the uploads: while the data budget is spent or the bandwidth
/// timetable pauses, running uploads are reported PAUSED (saying until when), new files
/// wait for a slot, and both go on when the hold ends. The transfer engine holds the bytes
/// themselves at once; this follows within a housekeeping round.
extension FeatureCore {
    /// Reads the hold and, when it changed, moves uploads between UPLOADING and PAUSED.
    mutating func followLinkHold() {
        let hold = reads.linkHold()
        guard hold != linkHold else { return }
        if hold == nil && InjectedFault.holdNeverLifted.isInjected { return }
        if let hold {
            logger.notice("uploads paused: \(Self.describe(hold))")
        } else if linkHold != nil {
            logger.notice("uploads go on: the link may carry them again")
        }
        linkHold = hold
        let wanted = heldState()
        for id in registry.live {
            guard let upload = registry.upload(id), upload.state == .uploading || upload.state == .paused else { continue }
            guard wanted.state != upload.state || wanted.message != upload.message else { continue }
            registry.updateUpload(id) { $0.state = wanted.state; $0.message = wanted.message }
            journalUpload(id)
            statusChanged(id)
        }
        if hold == nil { pump() }
    }

    /// The state (and message) a started upload has now: PAUSED while the link is held.
    func heldState() -> (state: UploadState, message: String) {
        guard let linkHold else { return (.uploading, "") }
        return (.paused, "paused: " + Self.describe(linkHold))
    }

    static func describe(_ hold: LinkAllowance.Hold) -> String {
        hold.reason + (hold.until.map { "; uploads go on at \(RFC3339.format($0))" } ?? "")
    }
}
