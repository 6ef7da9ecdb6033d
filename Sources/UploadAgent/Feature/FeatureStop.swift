/// The stop in progress, one phase after another. Each phase ends by an event (a transfer
/// ended, an acknowledgement came, the link dropped) or by its deadline (the `.stopPhase`
/// timer), never by polling; `finished` runs when the last one ends (`shutdown()` returns).
struct FeatureStop {
    enum Phase: Equatable {
        /// Running uploads may still finish, until `stopTimeout`.
        case draining
        /// What still ran is suspended; these files' transfers are winding down.
        case windingDown(Set<String>)
        /// The PAUSED statuses are on their way to the broker.
        case acknowledging
    }

    var phase = Phase.draining
    let finished: @Sendable () -> Void
}
