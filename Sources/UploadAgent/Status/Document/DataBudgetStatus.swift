/// The link's data budget in the status file: its limit and period, what this period
/// spent, and when the period ends.
struct DataBudgetStatus: Encodable, Sendable {
    var limit: Int64
    var period: String
    var spent: Int64
    var periodEnd: String
}
