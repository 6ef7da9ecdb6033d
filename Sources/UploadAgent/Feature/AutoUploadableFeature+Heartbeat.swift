/// The watchdog's question to the feature: returning at all shows the actor runs.
extension AutoUploadableFeature {
    public func heartbeat() {
        DebugHooks.wedgeIfAsked("wedge-feature")
    }
}
