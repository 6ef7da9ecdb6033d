/// What a storage server has confirmed of one file, in the form each protocol resumes
/// from. The journal keeps it, so a restarted agent continues where the server's own
/// record says the upload stopped instead of sending the file again. It holds no secret.
public enum ServerProgress: Codable, Sendable, Equatable {
    /// An S3 multipart upload: its id and the parts S3 acknowledged (checked against
    /// ListParts before it is trusted).
    case s3Multipart(S3MultipartState)
    /// An Azure block upload: the block ids put so far (checked against Get Block List).
    case azureBlocks(AzureBlockListState)
    /// A resumable (GCS-protocol) session: the bytes the server confirmed. The session URL
    /// is a credential and lives with the start options, not here.
    case resumableSession(confirmedBytes: Int64)

    /// The bytes the server holds by this record.
    public var confirmedBytes: Int64 {
        switch self {
        case .s3Multipart(let state):
            let plan = S3PartPlan(fileSize: state.fileSize, preferredPartSize: state.partSize)
            return state.completedParts.keys.reduce(Int64(0)) { $0 + plan.range(ofPart: $1).length }
        case .azureBlocks(let state):
            // About right: only the last block is shorter, and this figure is only shown.
            return min(state.fileSize, Int64(state.blockIDs.count) * state.blockSize)
        case .resumableSession(let bytes):
            return bytes
        }
    }
}
