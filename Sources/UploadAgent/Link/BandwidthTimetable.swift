/// The upload rate by time of day (`maxBandwidth`): one rate all day (`"2MB"`, `0` for
/// unlimited, as before), or a timetable in local time, `"08:00,512KB 18:00,4MB 23:00,off"`,
/// where each rate holds from its time until the next one, the last one through midnight
/// into the morning. In a timetable `off` is unlimited and `0` is paused: a cellular link
/// can be kept free during the working day and used at night.
public struct BandwidthTimetable: Sendable, Equatable, CustomStringConvertible {
    public enum Rate: Sendable, Equatable, CustomStringConvertible {
        case unlimited
        case paused
        case limited(bytesPerSecond: Int64)

        public var description: String {
            switch self {
            case .unlimited: "unlimited"
            case .paused: "paused"
            case .limited(let rate): "\(rate) B/s"
            }
        }
    }

    /// One boundary: from `secondOfDay` (local time) on, `rate` is in force.
    public struct Change: Sendable, Equatable {
        public var secondOfDay: Int
        public var rate: Rate
    }

    /// Sorted by time; empty means unlimited all day.
    public let changes: [Change]

    public static let unlimited = BandwidthTimetable(changes: [])
    static let secondsPerDay = 86_400

    public init(rate: Int64) {
        changes = rate > 0 ? [Change(secondOfDay: 0, rate: .limited(bytesPerSecond: rate))] : []
    }

    init(changes: [Change]) { self.changes = changes.sorted { $0.secondOfDay < $1.secondOfDay } }

    /// Reads a single rate or a timetable, or says why the text is neither.
    public static func parse(_ text: String) -> Result<BandwidthTimetable, TimetableError> {
        let entries = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard entries.contains(where: { $0.contains(",") }) else {
            guard let rate = ByteRate.parse(text) else { return .failure(.notARate(text)) }
            return .success(BandwidthTimetable(rate: rate))
        }
        var changes: [Change] = []
        for entry in entries {
            let fields = entry.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false)
            guard fields.count == 2, let second = secondOfDay(fields[0]) else { return .failure(.badEntry(String(entry))) }
            let rateText = fields[1].lowercased()
            let rate: Rate
            if rateText == "off" {
                rate = .unlimited
            } else if let bytes = ByteRate.parse(rateText) {
                rate = bytes == 0 ? .paused : .limited(bytesPerSecond: bytes)
            } else {
                return .failure(.badEntry(String(entry)))
            }
            guard !changes.contains(where: { $0.secondOfDay == second }) else { return .failure(.repeatedTime(String(fields[0]))) }
            changes.append(Change(secondOfDay: second, rate: rate))
        }
        return .success(BandwidthTimetable(changes: changes))
    }

    /// `HH:MM` or `HH:MM:SS`, 24-hour.
    static func secondOfDay(_ text: Substring) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
              let hours = Int(parts[0]), let minutes = Int(parts[1]), (0..<24).contains(hours), (0..<60).contains(minutes)
        else { return nil }
        let seconds = parts.count == 3 ? Int(parts[2]) : 0
        guard let seconds, (0..<60).contains(seconds) else { return nil }
        return hours * 3600 + minutes * 60 + seconds
    }

    /// The rate in force at `second` of the local day.
    public func rate(atSecondOfDay second: Int) -> Rate {
        guard let last = changes.last else { return .unlimited }
        return changes.last(where: { $0.secondOfDay <= second })?.rate ?? last.rate
    }

    /// Seconds from `second` of the local day to the next boundary; nil for one rate all day.
    public func secondsUntilNextChange(fromSecondOfDay second: Int) -> Int? {
        guard changes.count > 1 else { return nil }
        let next = changes.first(where: { $0.secondOfDay > second })?.secondOfDay ?? changes[0].secondOfDay + Self.secondsPerDay
        return next - second
    }

    /// The fastest limit in the table, nil when some period is unlimited: transfers are
    /// sized for it (`TransferSizing`), so a kill costs about a second of the best period.
    public var highestLimit: Int64? {
        var highest: Int64 = 0
        for change in changes {
            switch change.rate {
            case .unlimited: return nil
            case .paused: continue
            case .limited(let rate): highest = max(highest, rate)
            }
        }
        return changes.isEmpty || highest == 0 ? nil : highest
    }

    public var description: String {
        guard changes.count > 1 || changes.first?.secondOfDay ?? 0 != 0 else {
            if case .limited(let rate)? = changes.first?.rate { return "\(rate)" }
            return "0"
        }
        return changes.map { change in
            let clock = Self.clockText(change.secondOfDay)
            switch change.rate {
            case .unlimited: return "\(clock),off"
            case .paused: return "\(clock),0"
            case .limited(let rate): return "\(clock),\(rate)"
            }
        }.joined(separator: " ")
    }

    static func clockText(_ second: Int) -> String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let text = "\(two(second / 3600)):\(two(second / 60 % 60))"
        return second % 60 == 0 ? text : text + ":\(two(second % 60))"
    }
}
