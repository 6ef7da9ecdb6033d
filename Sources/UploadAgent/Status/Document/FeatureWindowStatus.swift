/// The status file's `feature`: whether periodic uploads are on, their window and the
/// next run.
struct FeatureWindowStatus: Encodable, Sendable {
    var id: String
    var active: Bool
    var startTime: Nullable<String>
    var endTime: Nullable<String>
    var period: String
    var nextRunAt: Nullable<String>
}
