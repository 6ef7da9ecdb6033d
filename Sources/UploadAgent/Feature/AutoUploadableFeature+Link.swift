/// The link's limits seen from the uploads: while the data budget is spent or the bandwidth
/// timetable pauses, running uploads are reported PAUSED (saying until when), new files
/// wait for a slot, and both go on when the hold ends. The transfer engine holds the bytes
/// themselves at once; this follows within a housekeeping round.
extension AutoUploadableFeature {
    /// Reads the hold and, when it changed, moves uploads between UPLOADING and PAUSED.
    func followLinkHold() {
        let hold = environment.link?.hold()
        guard hold != linkHold else { return }
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

    /// The link part of the status document: the rate in force, its next change, the
    /// budget spent in this period, and the hold.
    func linkStatus() -> JSONValue {
        guard let link = environment.link else { return .null }
        let (rate, nextChange) = link.schedule()
        var value: [String: JSONValue] = [
            "maxBandwidth": .string(link.timetable.description),
            "rateInForce": rate.statusValue,
            "nextChangeAt": nextChange.map { .string(RFC3339.format($0)) } ?? .null,
            "heldUntil": .null, "holdReason": .null,
        ]
        if let budget = link.budget {
            value["dataBudget"] = ["limit": .number(Double(budget.limit)), "period": .string(GoDuration.format(budget.period)),
                                   "spent": .number(Double(budget.spent)), "periodEnd": .string(RFC3339.format(budget.periodEnd))]
        }
        if let hold = link.hold() {
            value["heldUntil"] = hold.until.map { .string(RFC3339.format($0)) } ?? .null
            value["holdReason"] = .string(hold.reason)
        }
        return .object(value)
    }
}
