/// Why a `maxBandwidth` text is neither a rate nor a timetable.
public enum TimetableError: Error, Sendable, Equatable, CustomStringConvertible {
    case notARate(String)
    case badEntry(String)
    case repeatedTime(String)

    public var description: String {
        switch self {
        case .notARate(let text): "'\(text)' is not a rate such as \"2MB\" (per second), 0, or a timetable such as \"08:00,512KB 18:00,4MB 23:00,off\""
        case .badEntry(let entry): "timetable entry '\(entry)' is not HH:MM[:SS],<rate|0|off>"
        case .repeatedTime(let time): "timetable names \(time) twice"
        }
    }
}
