extension BandwidthTimetable.Rate: Encodable {
    /// In the status file: bytes per second, `"unlimited"` or `"paused"`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .unlimited: try container.encode("unlimited")
        case .paused: try container.encode("paused")
        case .limited(let rate): try container.encode(rate)
        }
    }
}
