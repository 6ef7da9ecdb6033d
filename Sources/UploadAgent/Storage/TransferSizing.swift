/// How large the pieces of an upload (S3 parts, Azure blocks, resumable chunks) are, and
/// how many are in flight. A kill or a cut throws away what is in flight and not yet
/// confirmed, so on a link of known rate (`maxBandwidth`) the pieces in flight add up to
/// about `secondsAtRisk` of it: small pieces on a cellular link, where every byte costs,
/// the preferred size and parallelism on a fast one. A protocol's minimum (S3's 5 MiB)
/// wins over the rate: then one piece flies at a time.
struct TransferSizing: Sendable, Equatable {
    var pieceSize: Int64
    var inFlight: Int

    /// What one kill may cost, in seconds of the link's rate.
    static let secondsAtRisk = 1.0

    /// `rate` in bytes per second (nil: unknown, so the preferred shape); pieces are
    /// multiples of `granularity`, at least `minimum`, at most `preferred`.
    static func choose(rate: Int64?, minimum: Int64, granularity: Int64, preferred: Int64,
                       maxInFlight: Int) -> TransferSizing {
        guard let rate, rate > 0 else { return TransferSizing(pieceSize: preferred, inFlight: maxInFlight) }
        let atRisk = Double(rate) * secondsAtRisk
        // Two pieces in flight keep the link busy across the round trip between them.
        let wanted = maxInFlight > 1 ? atRisk / 2 : atRisk
        let rounded = Int64(min(wanted, Double(preferred))) / granularity * granularity
        let piece = min(preferred, max(minimum, rounded))
        let inFlight = max(1, min(maxInFlight, Int(atRisk / Double(piece))))
        return TransferSizing(pieceSize: piece, inFlight: inFlight)
    }
}
