/// What the feature acts on, in the order it happened, through one mailbox
/// (`AutoUploadableFeature.mailbox`, handled by `FeatureCore`): the broker's events and the news of each transfer and
/// of the disk. Callbacks on other threads post here instead of each spawning a task, so a
/// part confirmed before a transfer ended is journaled before that end is.
enum FeatureEvent: Sendable {
    case mqtt(MQTTEvent)
    /// The broker client took a message the core published, as `messageId` (posted by
    /// whoever performed the `.publish` effect, before any other event).
    case published(Delivery, messageId: Int32)
    case transfer(fileId: String, TransferEvent)
    /// Everything journaled up to this sequence number is on disk.
    case durable(through: Int)
    /// A timer the feature armed expired (`FeatureTimers`; stale ones are ignored).
    case timer(FeatureTimer, token: Int)
    /// A file's gzip copy is written (its size; nil: the one a resume found) or failed.
    case compressed(ReadyUpload, copy: String, opened: OpenedFile, Result<Int64?, ArchiveError>)
    /// An upload's archive is written, or failed.
    case archiveWritten(parentId: String, path: String, Result<ArchiveSummary, ArchiveError>)
}
