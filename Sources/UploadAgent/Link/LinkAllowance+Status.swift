extension LinkAllowance {
    /// The link part of the status document: the rate in force, its next change, the
    /// budget spent in this period, and the hold.
    var statusValue: JSONValue {
        let (rate, nextChange) = schedule()
        var value: [String: JSONValue] = [
            "maxBandwidth": .string(timetable.description),
            "rateInForce": rate.statusValue,
            "nextChangeAt": nextChange.map { .string(RFC3339.format($0)) } ?? .null,
            "heldUntil": .null, "holdReason": .null,
        ]
        if let budget {
            value["dataBudget"] = ["limit": .number(Double(budget.limit)), "period": .string(GoDuration.format(budget.period)),
                                   "spent": .number(Double(budget.spent)), "periodEnd": .string(RFC3339.format(budget.periodEnd))]
        }
        if let hold = hold() {
            value["heldUntil"] = hold.until.map { .string(RFC3339.format($0)) } ?? .null
            value["holdReason"] = .string(hold.reason)
        }
        return .object(value)
    }
}
