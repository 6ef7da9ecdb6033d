/// `upload.compress: gzip`: each file goes out as a gzip copy written to the state folder
/// when its slot comes (constant memory, one read of the file), named `<path>.gz` in its
/// request. The copy stays until the file ended, so a resume sends the same bytes; a copy
/// lost meanwhile is written again, byte for byte the same (no name, no time in its header).
extension FeatureCore {
    func compressedCopy(of fileId: String) -> String {
        archiveStage.folder + "/" + ArchiveName.unique(fileId) + ".gz"
    }

    /// Writes the copy (unless a resume finds it whole), then transfers it. The writer
    /// holds the file's slot, so copies are written no faster than they are sent.
    mutating func compressThenTransfer(_ item: ReadyUpload, opened: OpenedFile) {
        let fileId = item.fileId
        guard let file = registry.file(fileId), let identity = file.identity else { return }
        let copy = compressedCopy(of: fileId)
        if file.serverProgress != nil, reads.identity(of: copy)?.size == file.size {
            compressed(item, copy: copy, opened: opened, .success(nil))
            return
        }
        // Read through the opened descriptor: the bytes of the file that was checked.
        let member = ArchiveMember(path: opened.readPath, name: "", identity: identity)
        pipeline.launched(fileId, since: time.now)
        emit(.compress(item, member: member, copy: copy, opened: opened))
    }

    /// The copy is written (its size; nil: the one a resume found): its transfer begins.
    mutating func compressed(_ item: ReadyUpload, copy: String, opened: OpenedFile, _ result: Result<Int64?, ArchiveError>) {
        let fileId = item.fileId
        _ = pipeline.finished(fileId)
        guard let file = registry.file(fileId), file.state == .uploading else {
            if registry.file(fileId)?.state.isFinal ?? true { emit(.discardStaged(path: copy)) }
            pump()
            return
        }
        switch result {
        case .failure(let error):
            fileFailed(fileId, reason: error.message)
            pump()
        case .success(let written):
            if let written, file.serverProgress != nil, written != file.size {
                fileFailed(fileId, reason: "its gzip copy came out \(written) bytes where the server holds parts of one of \(file.size); not resumed")
                pump()
                return
            }
            let size = written ?? file.size
            registry.updateFile(fileId) { file in
                file.size = size
                file.transferred = min(file.transferred, size)
            }
            journalFile(fileId)
            do {
                let copied = try reads.open(copy)
                transfer(item, source: UploadSource(path: copy, size: size, readPath: copied.readPath), holding: [opened, copied])
            } catch {
                fileFailed(fileId, reason: error.message)
                pump()
            }
        }
    }

    /// The file ended (or its upload did): its copy has no use left.
    mutating func dropCompressedCopy(_ file: FileRecord) {
        guard registry.upload(file.parentId)?.compress == true else { return }
        emit(.discardStaged(path: compressedCopy(of: file.correlationId)))
    }
}
