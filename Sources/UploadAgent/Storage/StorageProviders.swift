/// The providers the agent offers, by the name the backend sends in `storage.provider`.
/// A new provider is one line here (and its descriptor beside it).
public enum StorageProviders {
    public static let all: [any StorageProvider.Type] = [
        GenericHTTPProvider.self,
        S3StorageProvider.self,
        AzureBlobProvider.self,
    ]

    static let descriptors = all.map { $0.descriptor }

    /// The names in alphabetical order, as Kanto lists them.
    static let names = descriptors.map(\.name).sorted()

    /// "aws,azure,generic": what the feature advertises in `info.supportedProviders`.
    public static let supported = names.joined(separator: ",")

    /// "aws, azure, generic": the `storage.providers` of every upload request.
    static let requested = names.joined(separator: ", ")

    /// "aws, azure or generic", for help texts.
    public static let choices = names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1]

    /// Every provider's secret options, for the redactor.
    static let secretOptionKeys = descriptors.flatMap(\.secretOptionKeys)

    /// The provider the options name (generic when they name none); nil for an unknown one.
    static func descriptor(for options: [String: String]) -> StorageProviderDescriptor? {
        let name = requestedName(options)
        return descriptors.first { $0.name == name }
    }

    /// Makes the provider the `start` options ask for (generic when absent).
    public static func make(options: [String: String], context: ProviderContext) throws -> any StorageProvider {
        let name = requestedName(options)
        guard let type = all.first(where: { $0.name == name }) else {
            throw InvalidStartOptions("unsupported storage provider '\(name)'")
        }
        return try type.init(options: options, context: context)
    }

    private static func requestedName(_ options: [String: String]) -> String {
        options["storage.provider"].flatMap { $0.isEmpty ? nil : $0.lowercased() } ?? GenericHTTPProvider.name
    }
}
