/// The value of the twin command that creates (or replaces) the feature: its definitions
/// and every property, the latest `lastUpload` among them.
struct FeatureRegistration: Encodable, Sendable {
    struct Properties: Encodable, Sendable {
        var type: String
        var context: String
        var info: ProviderInfo
        var autoUpload: AutoUploadValue
        var lastUpload: LastUploadValue?
    }

    struct ProviderInfo: Encodable, Sendable {
        var supportedProviders: String
    }

    var definition: [String]
    var properties: Properties
}
