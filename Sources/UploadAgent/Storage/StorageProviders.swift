/// The providers the agent offers, by the name the backend sends in `storage.provider`.
/// A new provider is one line here.
public enum StorageProviders {
    public static let all: [any StorageProvider.Type] = [
        GenericHTTPProvider.self,
        S3StorageProvider.self,
        AzureBlobProvider.self,
    ]

    /// "aws,azure,generic": what the feature advertises in `info.supportedProviders`.
    public static let supported = "aws,azure,generic"

    /// Makes the provider the `start` options ask for (generic when absent).
    public static func make(options: [String: String], context: ProviderContext) throws -> any StorageProvider {
        let name = options["storage.provider"].flatMap { $0.isEmpty ? nil : $0.lowercased() } ?? GenericHTTPProvider.name
        guard let type = all.first(where: { $0.name == name }) else {
            throw InvalidStartOptions("unsupported storage provider '\(name)'")
        }
        return try type.init(options: options, context: context)
    }
}
