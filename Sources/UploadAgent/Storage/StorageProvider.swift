/// A place files are uploaded to (generic HTTP(S) URL, AWS S3, Azure Blob). A provider is
/// made from the options of one `start` command and uploads exactly one file.
public protocol StorageProvider: Sendable {
    /// Its name, secret options and expiry rule (`StorageProviderDescriptor`).
    static var descriptor: StorageProviderDescriptor { get }

    /// Validates the `start` options; throws `InvalidStartOptions` (answered with 400)
    /// before anything is sent.
    init(options: [String: String], context: ProviderContext) throws

    /// Streams the file to the storage, continuing from `resumption.from` when the server
    /// still holds it and reporting every new confirmation to `resumption.confirmed`.
    /// `progress` receives the total bytes the storage has acknowledged or is receiving
    /// for this file; it never goes backwards. Throws `UploadFailure` with a message a
    /// person can act on.
    func upload(_ file: UploadSource, resumption: UploadResumption,
                progress: @escaping @Sendable (_ bytesDone: Int64) -> Void) async throws

    /// Gives up what an earlier run left on the server (the file changed, so it will not
    /// be resumed). Returns why it could not, or nil.
    func discard(_ progress: ServerProgress, of file: UploadSource) async -> String?
}

extension StorageProvider {
    /// The short name the backend uses in `storage.provider`.
    public static var name: String { descriptor.name }

    /// Nothing to do where the server keeps no partial state.
    public func discard(_ progress: ServerProgress, of file: UploadSource) async -> String? { nil }

    /// A fresh upload, with nothing recorded for a later resume.
    public func upload(_ file: UploadSource, progress: @escaping @Sendable (_ bytesDone: Int64) -> Void) async throws {
        try await upload(file, resumption: .none, progress: progress)
    }
}
