/// Kanto's log level names.
public enum LogLevelName: String, Sendable, CaseIterable {
    case error = "ERROR", warn = "WARN", info = "INFO", debug = "DEBUG", trace = "TRACE"

    public init?(text: String) {
        let upper = text.uppercased()
        self.init(rawValue: upper == "WARNING" ? "WARN" : upper)
    }
}
