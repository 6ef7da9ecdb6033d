/// How an upload ended without success, as the feature acts on it: fail the file, ask the
/// backend for new credentials, or nothing (the backend cancelled it, or the agent is
/// stopping and suspended it). Providers throw what their layers throw; this is the one
/// place that sorts it, so no caller inspects a provider's own error types.
public enum UploadError: Error, Sendable, Equatable, CustomStringConvertible {
    case failed(String)
    /// 401/403 or an expired URL: a resume may outlive its credentials.
    case credentialsRefused(String)
    case cancelled

    public init(classifying error: any Error) {
        switch error {
        case let failure as UploadFailure:
            self = failure.credentialsRefused ? .credentialsRefused(failure.message) : .failed(failure.message)
        case let transfer as TransferError:
            self = transfer.kind == .cancelled ? .cancelled : .failed(transfer.message)
        case let invalid as InvalidStartOptions:
            self = .failed(invalid.message)
        case is CancellationError:
            self = .cancelled
        default:
            self = .failed(SecretRedactor.redact("\(error)"))
        }
    }

    /// What `lastUpload.message` and the status file say.
    public var message: String {
        switch self {
        case .failed(let message), .credentialsRefused(let message): message
        case .cancelled: "cancelled"
        }
    }

    public var description: String { message }
}

extension StorageProvider {
    /// The upload, with its failure sorted into `UploadError`.
    public func run(_ file: UploadSource, resumption: UploadResumption,
                    progress: @escaping @Sendable (_ bytesDone: Int64) -> Void) async throws(UploadError) {
        do {
            try await upload(file, resumption: resumption, progress: progress)
        } catch {
            throw UploadError(classifying: error)
        }
    }
}
