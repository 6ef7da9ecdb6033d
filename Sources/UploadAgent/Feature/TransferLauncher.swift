/// Runs a started file's transfer in place of the storage provider: the simulator's
/// storage servers, which decide when each transfer moves on and post its news
/// themselves. The returned task stands for the transfer (cancelling it cancels that).
protocol TransferLauncher: Sendable {
    func launch(_ fileId: String, source: UploadSource, resumption: UploadResumption) -> Task<Void, Never>
}
