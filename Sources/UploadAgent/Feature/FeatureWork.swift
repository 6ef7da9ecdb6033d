import Logging

/// The feature's long work, run off the actor: transfers, gzip copies, archives, and
/// giving up what a server holds. Each job posts its outcome into the feature's mailbox
/// as an event, so the feature only decides what to start and acts on what comes back;
/// the tasks live here, at the edge.
struct FeatureWork: Sendable {
    let mailbox: EventInbox<FeatureEvent>
    let logger: Logger
    /// The simulator's storage servers; nil: the provider runs the transfer.
    var launcher: (any TransferLauncher)?

    /// Uploads `source`; its end arrives as `.transfer(fileId, .finished)`. `holding`
    /// keeps the file's descriptor(s) open until then.
    func transfer(_ fileId: String, provider: any StorageProvider, source: UploadSource,
                  resumption: UploadResumption, progress: ProgressRelay, holding: [OpenedFile]) -> Task<Void, Never> {
        if let launcher { return launcher.launch(fileId, source: source, resumption: resumption) }
        let mailbox = self.mailbox
        return Task {
            let outcome: Result<Void, UploadError>
            do throws(UploadError) {
                try await provider.run(source, resumption: resumption, progress: { progress.report($0) })
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            withExtendedLifetime(holding) {}
            mailbox.yield(.transfer(fileId: fileId, .finished(outcome)))
        }
    }

    /// Writes the gzip copy of a file; the result arrives as `.compressed`.
    func compress(_ item: ReadyUpload, member: ArchiveMember, stage: ArchiveStage, to copy: String,
                  opened: OpenedFile) -> Task<Void, Never> {
        let mailbox = self.mailbox
        let cancelled = AtomicFlag()
        return Task {
            let result = await withTaskCancellationHandler {
                await stage.build([member], format: nil, to: copy, cancelled: cancelled)
            } onCancel: {
                cancelled.set()
            }
            mailbox.yield(.compressed(item, copy: copy, opened: opened, result.map { $0.archiveBytes }))
        }
    }

    /// Writes an upload's archive; the result arrives as `.archiveWritten`.
    func writeArchive(_ parentId: String, manifest: ArchiveManifest, stage: ArchiveStage, to path: String,
                      cancelled: AtomicFlag) {
        let mailbox = self.mailbox
        Task {
            let result = await stage.build(manifest.members, format: manifest.format, to: path, cancelled: cancelled)
            mailbox.yield(.archiveWritten(parentId: parentId, path: path, result))
        }
    }

    /// Gives up what a server holds of a file that changed (nothing comes back: a failure
    /// is logged, and the server's own expiry of unfinished uploads does the rest).
    func discard(_ held: ServerProgress, of source: UploadSource, with provider: any StorageProvider) {
        let logger = self.logger
        Task {
            if let problem = await provider.discard(held, of: source) {
                logger.warning("could not give up what the server holds of \(source.path): \(problem)")
            }
        }
    }
}
