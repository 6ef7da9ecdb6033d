/// Whether the start options of a file may still work: a pre-signed URL or a SAS says
/// when it expires. Options that do not say (S3 keys) are tried; the server's answer
/// decides then, and a refusal asks the backend for new ones.
enum StartOptionsExpiry {
    /// Options that expire sooner than this are asked for anew rather than resumed with.
    static let margin: Double = 60

    static func isValid(_ options: [String: String], now: Double) -> Bool {
        guard let expiry = expiry(of: options) else { return true }
        return expiry - margin > now
    }

    /// By the rule of the provider the options name.
    static func expiry(of options: [String: String]) -> Double? {
        StorageProviders.descriptor(for: options)?.expiry(options)
    }
}
