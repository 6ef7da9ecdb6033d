import Logging

/// `upload.archive`: the selected files become one archive in the state folder, written
/// whole before its one request goes out, uploaded as the upload's only file, and removed
/// once the upload ended (with `delete`, its members too, after SUCCESS and if unchanged).
extension FeatureCore {
    /// The one file of an archive upload and the list of its members; the upload learns
    /// what it holds. The archive itself is written by `writeArchive`.
    func stageArchive(of selection: FileSelection, format: ArchiveFormat, glob: String,
                      upload: inout UploadRecord) -> (FileRecord, ArchiveManifest) {
        let folder = FileScope.fixedFolder(of: FileSelector.absolute(glob))
        let members = selection.files.map { file in
            let path = FileSelector.absolute(file.path)
            return ArchiveMember(path: path, name: ArchiveMember.name(of: path, in: folder), identity: file.identity)
        }
        let device = identity?.thing.description ?? config.deviceId
        let name = ArchiveName.make(device: device, correlationId: upload.correlationId, time: upload.startTime, format: format)
        let path = archiveStage.path(for: name)
        upload.fileCount = 1
        upload.archive = ArchiveInfo(format: format, members: members.count,
                                     memberBytes: members.reduce(0) { $0 + $1.identity.size })
        let archive = FileRecord(correlationId: upload.fileId(1), parentId: upload.correlationId, path: path, size: 0)
        return (archive, ArchiveManifest(format: format, members: members))
    }

    /// Whether `file` is an archive still to be written (its request waits for it).
    func isUnwrittenArchive(_ file: FileRecord, of upload: UploadRecord) -> Bool {
        upload.archive != nil && file.state == .pending && file.identity == nil
    }

    /// Writes the upload's archive off the core (with `saveManifest`, its list of members
    /// first, beside it, for a restart); `archiveWritten` takes it on. Without a manifest,
    /// the one saved when the upload was triggered (a restart found the archive unwritten).
    mutating func writeArchive(_ parentId: String, manifest known: ArchiveManifest? = nil, saveManifest: Bool = false) {
        guard let upload = registry.upload(parentId), let file = registry.file(upload.fileId(1)) else { return }
        guard let manifest = known ?? reads.manifest(forArchive: file.path) else {
            fileFailed(file.correlationId, reason: "the list of the archive's files in the state folder is missing or damaged; the archive was not made")
            return
        }
        archivesBeingWritten.insert(parentId)
        emit(.writeArchive(parentId: parentId, manifest: manifest, path: file.path, saveManifest: saveManifest))
    }

    mutating func archiveWritten(_ parentId: String, path: String, _ result: Result<ArchiveSummary, ArchiveError>) {
        archivesBeingWritten.remove(parentId)
        guard let upload = registry.upload(parentId), !upload.state.isFinal,
              let file = registry.file(upload.fileId(1)), file.state == .pending else {
            emit(.discardStaged(path: path))  // cancelled meanwhile
            return
        }
        let fileId = file.correlationId
        switch result {
        case .success(let summary):
            guard let written = reads.identity(of: path) else {
                fileFailed(fileId, reason: "the archive \(path) vanished from the state folder before its upload")
                return
            }
            registry.updateFile(fileId) { file in
                file.identity = written
                file.size = written.size
            }
            let updated = registry.updateUpload(parentId) { upload in
                upload.archive?.members = summary.memberCount
                upload.archive?.memberBytes = summary.memberBytes
                let room = max(0, UploadRecord.maxRefusedShown - upload.refused.count)
                upload.refused += summary.skipped.prefix(room).map { RefusedFile(path: $0.path, reason: $0.reason) }
            }!
            journalFile(fileId)
            journalUpload(parentId)
            let skipped = summary.skipped.isEmpty ? "" : " (\(summary.skipped.count) left out, see the status file)"
            logger.info("upload \(parentId): archive \(path) holds \(summary.memberCount) file(s) of \(summary.memberBytes) bytes in \(summary.archiveBytes) bytes\(skipped)")
            enqueueRequests(of: updated)
            pump()
            statusChanged(parentId)
        case .failure(let error):
            emit(.discardStaged(path: path))
            fileFailed(fileId, reason: error.message)
        }
    }

    /// An archive upload ended otherwise than SUCCESS: stop writing it, or remove it.
    mutating func dropArchive(of upload: UploadRecord) {
        guard upload.archive != nil, let file = registry.file(upload.fileId(1)) else { return }
        if archivesBeingWritten.contains(upload.correlationId) {
            emit(.stopArchive(parentId: upload.correlationId))  // archiveWritten removes what was written
        } else {
            emit(.discardStaged(path: file.path))
        }
    }
}
