/// Where the blobs of one `start` command go: the account endpoint, the container and the
/// SAS, read from the start options. It builds the request URLs so that every operation
/// addresses the blob the same way, and the SAS-free form for state and messages.
struct AzureBlobTarget: Sendable, Equatable {
    static let endpointKey = "azure.storage.endpoint"
    static let signatureKey = "azure.shared.access.signature"
    static let containerKey = "azure.blob.container"

    /// The account endpoint without trailing slashes, e.g. `https://acct.blob.core.windows.net`.
    let endpoint: String
    let container: String
    let signature: AzureSharedAccessSignature

    init(endpoint: String, container: String, signature: AzureSharedAccessSignature) {
        var trimmed = Substring(endpoint)
        while trimmed.last == "/" { trimmed.removeLast() }
        self.endpoint = String(trimmed)
        var containerName = Substring(container)
        while containerName.first == "/" { containerName.removeFirst() }
        while containerName.last == "/" { containerName.removeLast() }
        self.container = String(containerName)
        self.signature = signature
    }

    /// Reads and checks the three Azure options; a missing or empty one (or an endpoint that
    /// is not an http(s) URL) is a 400 naming the key. The SAS value never enters a message.
    init(options: [String: String]) throws(InvalidStartOptions) {
        let endpoint = try options.required(Self.endpointKey)
        let signature = try options.required(Self.signatureKey)
        let container = try options.required(Self.containerKey)
        let lowered = endpoint.lowercased()
        guard lowered.hasPrefix("https://") || lowered.hasPrefix("http://") else {
            throw InvalidStartOptions("parameter '\(Self.endpointKey)' must be an http or https URL")
        }
        let sas = AzureSharedAccessSignature(signature)
        guard !sas.query.isEmpty else { throw .missing(Self.signatureKey) }
        self.init(endpoint: endpoint, container: container, signature: sas)
        guard !self.container.isEmpty else { throw .missing(Self.containerKey) }
        guard Self.isValidContainerName(self.container) else {
            throw InvalidStartOptions("parameter '\(Self.containerKey)' '\(BoundedText.cut(self.container))' is not a container name: "
                + "3 to 63 lower-case letters, digits and single hyphens, starting with a letter or digit (or $root, $web, $logs)")
        }
    }

    /// Azure's container naming rule; anything else (`../../etc`, `a/b`) would address
    /// another resource than the one the backend meant.
    static func isValidContainerName(_ name: String) -> Bool {
        ["$root", "$web", "$logs"].contains(name) || (LowerCaseLabel.isValid(name) && !name.contains("--"))
    }

    /// `<endpoint>/<container>/<blob>` without the SAS: safe for messages and saved state.
    func publicBlobURL(_ blobName: String) -> String {
        "\(endpoint)/\(PercentEncoding.encode(container))/"
            + PercentEncoding.encode(blobName)
    }

    /// The blob URL with the SAS and any operation parameters (`comp=block&blockid=…`),
    /// which Azure accepts in any order next to the SAS.
    func blobURL(_ blobName: String, operation: [(name: String, value: String)] = []) -> String {
        var query = operation.map { "\($0.name)=\(PercentEncoding.encode($0.value))" }
        query.append(signature.query)
        return publicBlobURL(blobName) + "?" + query.joined(separator: "&")
    }
}
