@testable import UploadAgent

/// The local edge agent's answer on `edge/thing/response`. What it accepts names a thing
/// whose id reads back as the same thing, so topics built from it address that thing.
enum EdgeIdentityFuzzTarget: FuzzTarget {
    static let name = "edge-identity"

    static func run(_ input: FuzzInput) {
        guard let identity = DeviceIdentity(edgeResponse: input.bytes) else { return }
        precondition(ThingID(identity.thing.description) == identity.thing,
                     "thing id '\(identity.thing)' does not read back as itself")
        _ = identity.thing.topicPrefix
    }
}
