/// What a restart makes of a journal with damaged records: every upload a damaged record
/// was about is accounted for. Sound records are used whatever came before them; an
/// unfinished upload with lost file records ends those files FAILED (the others go on);
/// files whose upload record was lost, and uploads known only from damaged bytes, become
/// FAILED uploads that the backend is told about. Nothing is silently forgotten.
extension JournalState {
    static let lostUploadMessage = "the agent's state folder was damaged: this upload's record in the journal could not be read, so it was not resumed"
    static let lostFileMessage = "its record in the agent's journal was damaged, so it was not resumed"
    static let unknownPath = "(unknown file: its journal record was damaged)"

    /// Accounts for the uploads named in damaged records (`damagedIds`, from
    /// `DamagedRecordSalvage`); returns the ids of the uploads the damage cost something
    /// (files or the whole upload), for the log.
    mutating func accountForDamage(damagedIds: Set<String>, now: Double) -> [String] {
        if InjectedFault.forgetDamaged.isInjected { return [] }
        var failed: [String] = []
        for index in uploads.indices where !uploads[index].state.isFinal {
            var lost = 0
            for fileId in uploads[index].fileIds where files[fileId] == nil {
                files[fileId] = Self.lostFile(fileId, of: uploads[index].correlationId)
                lost += 1
            }
            if lost > 0 { failed.append(uploads[index].correlationId) }
        }
        let known = Set(uploads.map(\.correlationId))
        var orphans: [String: [FileRecord]] = [:]
        for file in files.values where !known.contains(file.parentId) && !removed.contains(file.parentId) {
            orphans[file.parentId, default: []].append(file)
        }
        for (parentId, children) in orphans.sorted(by: { $0.key < $1.key }) {
            let count = children.compactMap { Self.number(of: $0.correlationId, in: parentId) }.max() ?? 0
            var upload = Self.lostUpload(parentId, fileCount: min(count, UploadRecord.maxFileCount), now: now)
            upload.startTime = now
            for fileId in upload.fileIds {
                if var file = files[fileId], !file.state.isFinal {
                    file.state = .failed
                    file.message = Self.lostFileMessage
                    files[fileId] = file
                } else if files[fileId] == nil {
                    files[fileId] = Self.lostFile(fileId, of: parentId)
                }
            }
            uploads.append(upload)
            failed.append(parentId)
        }
        let accounted = known.union(orphans.keys).union(removed)
        for id in damagedIds.compactMap({ resolve($0, among: accounted) }).sorted() where !accounted.contains(id) {
            guard !failed.contains(id) else { continue }
            uploads.append(Self.lostUpload(id, fileCount: 0, now: now))
            failed.append(id)
        }
        return failed
    }

    /// The upload a damaged record named: the id itself, or the upload of a file id
    /// ("<upload>#<n>") when only that survived. An id that damage changed is reported
    /// as it reads: a report too many beats an upload forgotten.
    private func resolve(_ id: String, among known: Set<String>) -> String? {
        guard !id.isEmpty else { return nil }
        if known.contains(id) { return id }
        if let hash = id.lastIndex(of: "#"), hash > id.startIndex,
           id[id.index(after: hash)...].allSatisfy({ $0.isASCII && $0.isNumber }) {
            return String(id[..<hash])
        }
        return id
    }

    private static func number(of fileId: String, in parentId: String) -> Int? {
        guard fileId.hasPrefix(parentId + "#") else { return nil }
        return Int(fileId.dropFirst(parentId.count + 1))
    }

    private static func lostFile(_ fileId: String, of parentId: String) -> FileRecord {
        var file = FileRecord(correlationId: fileId, parentId: parentId, path: unknownPath, size: 0)
        file.state = .failed
        file.message = lostFileMessage
        return file
    }

    private static func lostUpload(_ id: String, fileCount: Int, now: Double) -> UploadRecord {
        var upload = UploadRecord(correlationId: id, startTime: now, fileCount: fileCount)
        upload.state = .failed
        upload.message = lostUploadMessage
        upload.endTime = now
        return upload
    }
}
