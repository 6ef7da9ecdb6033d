/// Runs one upload outside the feature: the `upload` command, used to try credentials
/// and endpoints by hand and by the provider integration tests.
public enum SingleUpload {
    /// Makes the transfer context every upload shares, from the configuration.
    public static func transferSettings(_ config: AgentConfig) -> TransferSettings {
        var settings = TransferSettings()
        settings.connectTimeout = config.connectTimeout
        settings.stallTimeout = config.stallTimeout
        settings.extraCAFile = config.serverCert.isEmpty ? nil : config.serverCert
        settings.clientCertificate = config.uploadCert.isEmpty ? nil : config.uploadCert
        settings.clientKey = config.uploadKey.isEmpty ? nil : config.uploadKey
        settings.proxy = config.proxy.isEmpty ? nil : config.proxy
        settings.maxBandwidth = config.maxBandwidth
        return settings
    }

    /// Uploads `path` with the start `options`; returns the bytes sent. Throws
    /// `InvalidStartOptions` or `UploadFailure`.
    public static func run(path: String, options: [String: String], config: AgentConfig,
                           engine: any HTTPTransport,
                           onRetry: @escaping @Sendable (Int, String) -> Void,
                           progress: @escaping @Sendable (Int64) -> Void) async throws -> Int64 {
        guard let size = FileCheck.regularFileSize(path) else {
            throw UploadFailure("\(path) is not a regular file that can be read")
        }
        let policy = RetryPolicy(maxAttempts: config.retryAttempts)
        var context = ProviderContext(transport: RetryingTransport(base: engine, policy: policy, onRetry: onRetry),
                                      checksum: config.checksum, deviceId: config.deviceId, now: systemWallClock,
                                      directTransport: engine, retryPolicy: policy)
        context.onRetry = onRetry
        let provider = try StorageProviders.make(options: options, context: context)
        try await provider.upload(UploadSource(path: path, size: size), progress: progress)
        return size
    }
}
