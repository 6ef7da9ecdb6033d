/// The agent's version, shown by `--version` and in the status file.
public enum AgentVersion {
    public static let current = "0.1.0"
}
