/// A point in time as a selection option takes it: RFC 3339 (`2026-12-03T10:00:00Z`),
/// epoch seconds (`1764756000`), or an age before now (`2h`, `90m`, `3d`): "the logs of the
/// last two hours" needs no clock on the backend's side that agrees with the gateway's.
public enum SelectionTime {
    /// Epoch seconds, or nil when the text is none of the three forms.
    public static func parse(_ text: String, now: Double) -> Double? {
        let trimmed = text.trimmingCharacters(in: " ")
        if let time = RFC3339.parse(trimmed) { return time }
        if let seconds = Double(trimmed), seconds.isFinite, seconds >= 0 { return seconds }
        if let age = age(trimmed), age >= 0, age <= GoDuration.longest { return now - age }
        return nil
    }

    /// A Go duration, or a number of days (`3d`, `1.5d`).
    static func age(_ text: String) -> Double? {
        if text.hasSuffix("d"), let days = Double(text.dropLast()), days.isFinite { return days * 86_400 }
        return GoDuration.parse(text)
    }
}
