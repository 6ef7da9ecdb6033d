import Logging

/// `upload.archive`: the selected files become one archive in the state folder, written
/// whole before its one request goes out, uploaded as the upload's only file, and removed
/// once the upload ended (with `delete`, its members too, after SUCCESS and if unchanged).
extension AutoUploadableFeature {
    /// The one file of an archive upload, its members listed beside it; the upload learns
    /// what it holds. The archive itself is written by `writeArchive`.
    func stageArchive(of selection: FileSelection, format: ArchiveFormat, glob: String,
                      upload: inout UploadRecord) throws(OperationError) -> FileRecord {
        let folder = FileScope.fixedFolder(of: FileSelector.absolute(glob))
        let members = selection.files.map { file in
            let path = FileSelector.absolute(file.path)
            return ArchiveMember(path: path, name: ArchiveMember.name(of: path, in: folder), identity: file.identity)
        }
        let device = identity?.thing.description ?? config.deviceId
        let name = ArchiveName.make(device: device, correlationId: upload.correlationId, time: upload.startTime, format: format)
        let path = archiveStage.path(for: name)
        do {
            try ArchiveManifest(format: format, members: members).save(forArchive: path)
        } catch {
            throw .failed(error.message)
        }
        upload.fileCount = 1
        upload.archive = ArchiveInfo(format: format, members: members.count,
                                     memberBytes: members.reduce(0) { $0 + $1.identity.size })
        return FileRecord(correlationId: upload.fileId(1), parentId: upload.correlationId, path: path, size: 0)
    }

    /// Whether `file` is an archive still to be written (its request waits for it).
    func isUnwrittenArchive(_ file: FileRecord, of upload: UploadRecord) -> Bool {
        upload.archive != nil && file.state == .pending && file.identity == nil
    }

    /// Writes the upload's archive on a thread of its own; `archiveWritten` takes it on.
    func writeArchive(_ parentId: String) {
        guard let upload = registry.upload(parentId), let file = registry.file(upload.fileId(1)) else { return }
        guard let manifest = ArchiveManifest.load(forArchive: file.path) else {
            fileFailed(file.correlationId, reason: "the list of the archive's files in the state folder is missing or damaged; the archive was not made")
            return
        }
        let cancelled = AtomicFlag()
        archiveWrites[parentId] = cancelled
        work.writeArchive(parentId, manifest: manifest, stage: archiveStage, to: file.path, cancelled: cancelled)
    }

    func archiveWritten(_ parentId: String, path: String, _ result: Result<ArchiveSummary, ArchiveError>) {
        archiveWrites[parentId] = nil
        guard let upload = registry.upload(parentId), !upload.state.isFinal,
              let file = registry.file(upload.fileId(1)), file.state == .pending else {
            ArchiveStage.discard(path)  // cancelled meanwhile
            return
        }
        let fileId = file.correlationId
        switch result {
        case .success(let summary):
            guard let written = FileIdentity.of(path: path) else {
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
            ArchiveStage.discard(path)
            fileFailed(fileId, reason: error.message)
        }
    }

    /// After the archive's SUCCESS is on disk: `delete` removes its unchanged members;
    /// the archive and its list go in any case.
    func archiveUploaded(_ file: FileRecord) -> @Sendable () -> Void {
        let (logger, deletes) = (self.logger, config.delete)
        return {
            if deletes { ArchiveStage.deleteMembers(of: file.path, logger: logger) }
            ArchiveStage.discard(file.path)
        }
    }

    /// An archive upload ended otherwise than SUCCESS: stop writing it, or remove it.
    func dropArchive(of upload: UploadRecord) {
        guard upload.archive != nil, let file = registry.file(upload.fileId(1)) else { return }
        if let writing = archiveWrites[upload.correlationId] {
            writing.set()  // archiveWritten removes what was written
        } else {
            ArchiveStage.discard(file.path)
        }
    }
}
