/// What the backend asks Azure to store with the blob: user metadata
/// (`azure.metadata.<name>` → `x-ms-meta-<name>`) and an access tier (`azure.access.tier`).
/// Sent on Put Blob and on Put Block List, the two requests that create the blob.
struct AzureBlobSettings: Sendable {
    static let tiers = ["Hot", "Cool", "Cold", "Archive"]

    let metadata: ObjectMetadata
    let accessTier: String?

    init(_ options: [String: String]) throws(InvalidStartOptions) {
        metadata = try ObjectMetadata(options: options, prefix: "azure.metadata.", identifiersOnly: true)
        accessTier = try options.choice("azure.access.tier", from: Self.tiers)
    }

    var headers: [(name: String, value: String)] {
        metadata.headers("x-ms-meta-") + (accessTier.map { [("x-ms-access-tier", $0)] } ?? [])
    }
}
