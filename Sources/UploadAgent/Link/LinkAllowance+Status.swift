extension LinkAllowance {
    /// The link part of the status document: the rate in force, its next change, the
    /// budget spent in this period, and the hold.
    var status: LinkStatus {
        let (rate, nextChange) = schedule()
        let hold = hold()
        return LinkStatus(
            maxBandwidth: timetable.description, rateInForce: rate,
            nextChangeAt: Nullable(nextChange.map(RFC3339.format)),
            heldUntil: Nullable(hold?.until.map(RFC3339.format)), holdReason: Nullable(hold?.reason),
            dataBudget: budget.map { budget in
                DataBudgetStatus(limit: budget.limit, period: GoDuration.format(budget.period),
                                 spent: budget.spent, periodEnd: RFC3339.format(budget.periodEnd))
            })
    }
}
