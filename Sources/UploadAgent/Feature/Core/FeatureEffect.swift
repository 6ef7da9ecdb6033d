/// What the feature's core asks the world to do, in the order it decided it
/// (`FeatureCore.handle` returns them; `AutoUploadableFeature` performs them). The core
/// itself never publishes, writes, starts a task or reads a clock, so a run of events
/// gives the same effects wherever it runs: in the daemon, in a unit test, in the simulator.
enum FeatureEffect: Sendable {
    /// Hands a message to the broker client; `tracking` says what its acknowledgement
    /// settles (the client's message id comes back as `FeatureEvent.published`).
    case publish(topic: String, payload: [UInt8], tracking: Delivery?)
    /// Appends records to the journal.
    case journal([JournalEntry])
    /// Replaces the journal by these records (the whole live state).
    case compactJournal([JournalEntry])
    /// Compacts the journal if it has grown well past what it describes (the records
    /// come from `FeatureCore.journalSnapshot()` then).
    case compactJournalIfNeeded
    /// Forces the journal and the credential store to disk (the end of a stop).
    case syncState
    case storeCredentials(fileId: String, options: [String: String])
    case forgetCredentials(fileId: String)
    /// Removes the credential file once it holds nothing.
    case dropEmptyCredentialFile
    /// Asks the disk to post `.durable(through: sequence)` once everything handed to the
    /// journal and the credential store so far is written.
    case askDisk(through: Int)
    /// Arms a timer to post `.timer(timer, token:)` at `deadline` (on the clock's uptime).
    case arm(FeatureTimer, deadline: Double, token: Int)
    case disarm(FeatureTimer)
    /// Runs a started file's transfer; its news comes back as `.transfer` events.
    case transfer(TransferStart)
    /// Writes the gzip copy of a file; `.compressed` comes back.
    case compress(ReadyUpload, member: ArchiveMember, copy: String, opened: OpenedFile)
    /// Stops a file's transfer (or its gzip copy); its `.finished` still comes back.
    case cancelTransfer(fileId: String)
    /// From now on a cancelled transfer keeps what its server holds (the agent stops).
    case keepServerStateOnCancel
    /// Gives up what a server holds of a file that changed.
    case discard(ServerProgress, of: UploadSource, with: any StorageProvider)
    /// Writes an upload's archive (with `saveManifest`, its list of members beside it
    /// first, for a restart); `.archiveWritten` comes back.
    case writeArchive(parentId: String, manifest: ArchiveManifest, path: String, saveManifest: Bool)
    /// Stops writing an upload's archive (its `.archiveWritten` removes what was written).
    case stopArchive(parentId: String)
    /// Removes a staged file of the state folder: an archive and its list, or a gzip copy.
    case discardStaged(path: String)
    /// Removes an uploaded file (with `delete`), or an uploaded archive (and, with
    /// `members`, the files it holds): `afterDisk`, once everything journaled so far is on disk.
    case deleteUploaded(FileRecord, isArchive: Bool, members: Bool, afterDisk: Bool)
    /// Removes staged archives and copies no upload needs (at start-up).
    case sweepStage(keeping: Set<String>)
    /// Writes the status file from the feature's part of it.
    case writeStatus(FeatureStatus)
    /// Forces the log to disk (after the start-up recovery lines).
    case syncLog
    /// The stop is complete: `shutdown()` returns.
    case stopped
}
