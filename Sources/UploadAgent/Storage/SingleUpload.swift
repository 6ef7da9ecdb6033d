/// Runs one upload outside the feature: the `upload` command, used to try credentials
/// and endpoints by hand and by the provider integration tests.
public enum SingleUpload {
    /// Uploads `path` with the start `options`; returns the bytes sent. Throws
    /// `InvalidStartOptions` or `UploadFailure`.
    public static func run(path: String, options: [String: String], config: AgentConfig,
                           engine: any HTTPTransport,
                           onRetry: @escaping @Sendable (Int, String) -> Void,
                           progress: @escaping @Sendable (Int64) -> Void) async throws -> Int64 {
        guard let size = FileCheck.regularFileSize(path) else {
            throw UploadFailure("\(path) is not a regular file that can be read")
        }
        let context = ProviderContext(config: config, network: engine, deviceId: config.deviceId,
                                      onRetry: onRetry)
        let provider = try StorageProviders.make(options: options, context: context)
        try await provider.upload(UploadSource(path: path, size: size), progress: progress)
        return size
    }
}
