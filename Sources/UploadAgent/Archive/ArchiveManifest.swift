#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The files an archive is made of, kept beside it in the state folder
/// (`<archive>.members.json`) rather than in the journal, whose upload record is written
/// again at every progress step: a restart before the archive was written makes it from
/// this list, and `delete` after its SUCCESS removes exactly these files, if unchanged.
public struct ArchiveManifest: Codable, Sendable, Equatable {
    public var format: ArchiveFormat
    public var members: [ArchiveMember]

    public init(format: ArchiveFormat, members: [ArchiveMember]) {
        self.format = format
        self.members = members
    }

    static func path(ofArchive archive: String) -> String { archive + ".members.json" }

    /// Writes the list atomically (synced, then renamed into place).
    func save(forArchive archive: String) throws(ArchiveError) {
        do {
            try StatusFileWriter.writeAtomically(CompactJSONEncoder.encode(self) + [10], to: Self.path(ofArchive: archive))
        } catch let error as StatusFileWriter.StatusWriteError {
            throw .failed(error.message)
        } catch {
            throw .failed("cannot save the list of the archive's files: \(error)")
        }
    }

    /// The list saved for `archive`, or nil when it is missing or damaged.
    static func load(forArchive archive: String) -> ArchiveManifest? {
        guard let data = FileManager.default.contents(atPath: path(ofArchive: archive)) else { return nil }
        return try? JSONDecoder().decode(ArchiveManifest.self, from: data)
    }
}
