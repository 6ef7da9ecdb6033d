/// The start-up account of what a restart found, one line per file up to `limit`: where
/// each file resumes, or that it starts from byte 0, or that it waits for new credentials.
/// A power cut takes journald's last minutes, so these lines are often an operator's only
/// evidence of what the agent was doing.
struct RecoveryLog {
    let limit: Int
    private var named: [String] = []
    private var unnamed = 0

    var lines: [String] { named + (unnamed > 0 ? ["… and \(unnamed) more file(s) resume or restart"] : []) }

    init(limit: Int) { self.limit = limit }

    mutating func note(_ file: FileRecord, renewing: Bool) {
        guard named.count < limit else {
            unnamed += 1
            return
        }
        let held = file.serverProgress.map { "the server holds \($0.confirmedBytes) of \(file.size) bytes" }
        let line: String
        if renewing {
            line = "upload \(file.correlationId) of \(file.path) waits for new credentials from the backend; "
                + (held ?? "it starts from byte 0")
        } else if let held {
            line = "upload \(file.correlationId) of \(file.path) resumes where \(held)"
        } else {
            line = "upload \(file.correlationId) of \(file.path) restarts from byte 0: the server confirmed none of it (a plain PUT cannot resume)"
        }
        named.append(line)
    }
}
