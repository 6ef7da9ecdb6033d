/// Boolean text as Go's `strconv.ParseBool` reads it, which is what Kanto's `-flag=value`
/// and its service files use (`-delete=1`, `-checksum=t`), plus `true`/`false` in any
/// letter case, which this agent accepted before.
public enum GoBool {
    public static func parse(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "TRUE", "true", "True": return true
        case "0", "f", "F", "FALSE", "false", "False": return false
        default:
            switch text.lowercased() {
            case "true": return true
            case "false": return false
            default: return nil
            }
        }
    }

    /// The spellings, for error messages.
    static let accepted = "true, false, 1, 0, t, f"
}
