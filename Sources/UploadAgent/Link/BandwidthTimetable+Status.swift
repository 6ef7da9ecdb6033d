extension BandwidthTimetable.Rate {
    /// In the status file: bytes per second, `"unlimited"` or `"paused"`.
    var statusValue: JSONValue {
        switch self {
        case .unlimited: .string("unlimited")
        case .paused: .string("paused")
        case .limited(let rate): .number(Double(rate))
        }
    }
}
