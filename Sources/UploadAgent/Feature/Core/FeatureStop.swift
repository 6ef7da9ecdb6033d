/// The stop in progress, one phase after another. Each phase ends by an event (a transfer
/// ended, an acknowledgement came, the link dropped) or by its deadline (the `.stopPhase`
/// timer), never by polling; `.stopped` is the effect of the last one's end.
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
}
