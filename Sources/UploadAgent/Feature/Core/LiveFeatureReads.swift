/// The daemon's reads: the file system as it is, and the transfer engine's link allowance.
struct LiveFeatureReads: FeatureReads {
    let selector: FileSelector
    let link: LinkAllowance?

    func select(requestedGlob: String?) throws(OperationError) -> FileSelection {
        try selector.select(requestedGlob: requestedGlob)
    }

    func regularFileSize(_ path: String) -> Int64? { FileCheck.regularFileSize(path) }

    func identity(of path: String) -> FileIdentity? { FileIdentity.of(path: path) }

    func open(_ path: String) throws(UploadFailure) -> OpenedFile { try OpenedFile.open(path) }

    func manifest(forArchive path: String) -> ArchiveManifest? { ArchiveManifest.load(forArchive: path) }

    func linkHold() -> LinkAllowance.Hold? { link?.hold() }
}
