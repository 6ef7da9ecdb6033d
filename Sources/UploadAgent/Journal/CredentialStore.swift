/// The start options of files whose upload has not ended (`<stateDir>/credentials.log`,
/// mode 0600): what a restarted agent resumes with while they are valid. They are
/// credentials (signed URLs, keys, SAS), so this is the one file in the state folder that
/// holds secrets; each file's options are dropped when its upload ends, and the file
/// itself is removed once none are left (when an upload ends, not after every file, so a
/// stream of small files does not create and remove it a thousand times).
final class CredentialStore: @unchecked Sendable {
    static let version = 1
    static let fileName = "credentials.log"

    private let file: JournalFile<CredentialEntry>
    private(set) var options: [String: [String: String]] = [:]
    /// Whether the file exists (with its header) as far as this store wrote it.
    private var fileWritten = false

    init(stateDir: String, queues: LogWriterQueues = DispatchLogWriterQueue.make,
         onError: @escaping @Sendable (String) -> Void) {
        file = JournalFile(path: "\(stateDir)/\(Self.fileName)", mode: 0o600, queues: queues, onError: onError)
    }

    /// Reads what an earlier run kept.
    func load(problems: (String) -> Void) {
        // Options in damaged records are lost: their files ask the backend for new ones.
        for entry in file.read(expectedVersion: Self.version, problems: problems).entries {
            switch entry {
            case .header: break
            case .set(let id, let options): self.options[id] = options
            case .remove(let id): options[id] = nil
            }
        }
        compact()
    }

    func set(_ options: [String: String], for fileId: String) {
        if !fileWritten {
            file.replace(with: [.header(version: Self.version)])
            fileWritten = true
        }
        self.options[fileId] = options
        file.append(.set(file: fileId, options: options))
        if file.needsCompaction { compact() }
    }

    func remove(_ fileId: String) {
        guard options.removeValue(forKey: fileId) != nil else { return }
        file.append(.remove(file: fileId))
        if file.needsCompaction { compact() }
    }

    /// Removes the file once no options are left in it.
    func removeFileIfEmpty() {
        guard options.isEmpty, fileWritten else { return }
        file.replace(with: [])
        fileWritten = false
    }

    private func compact() {
        file.replace(with: options.isEmpty ? [] : [.header(version: Self.version)]
                     + options.map { CredentialEntry.set(file: $0.key, options: $0.value) })
        fileWritten = !options.isEmpty
    }

    func sync() { file.sync() }

    /// Runs `work` on the store's writer queue once everything handed over is on disk.
    func whenDurable(_ work: @escaping @Sendable () -> Void) { file.log.whenWritten(work) }
}
