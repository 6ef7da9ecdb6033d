/// The status file's `link`: the bandwidth timetable, the rate in force and its next
/// change, the data budget spent in this period, and the hold (why uploads wait).
struct LinkStatus: Encodable, Sendable {
    var maxBandwidth: String
    var rateInForce: BandwidthTimetable.Rate
    var nextChangeAt: Nullable<String>
    var heldUntil: Nullable<String>
    var holdReason: Nullable<String>
    var dataBudget: DataBudgetStatus?
}
