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

    static func expiry(of options: [String: String]) -> Double? {
        if let url = options["https.url"], let expiry = PresignedURLExpiry.expiry(of: url) { return expiry }
        if let sas = options["azure.shared.access.signature"] {
            return PresignedURLExpiry.expiry(of: "?" + sas.drop(while: { $0 == "?" }))
        }
        return nil
    }
}
