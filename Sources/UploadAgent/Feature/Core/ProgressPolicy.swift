/// How often progress is told, decided in one place for both audiences: the backend hears
/// `lastUpload` at every state change and when the upload's whole percent moves, never
/// more; the status file follows within `statusInterval`. Transfers hand their byte counts
/// to the feature at most every `relayInterval` (and at each whole percent), which is all
/// either audience could use.
struct ProgressPolicy: Sendable {
    /// A running transfer's bytes reach the feature at most this often (`ProgressRelay`).
    var relayInterval = 0.25
    /// The status document is rebuilt, and its file written, at most this often.
    var statusInterval = 0.25

    static let standard = ProgressPolicy()

    /// Whether the backend is told: any change but progress, or a new whole percent.
    func tellsBackend(progress: Int, published: Int?, onlyProgress: Bool) -> Bool {
        !onlyProgress || progress != published
    }
}
