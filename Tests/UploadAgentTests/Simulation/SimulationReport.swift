/// What one seeded run found and went through (so a budget of seeds can show it was not
/// a quiet walk: how many crashes, torn writes, damaged records, and how uploads ended).
struct SimulationReport {
    var violations: [String]
    var trace: [String]
    /// Events the agent's core handled.
    var events = 0
    /// Transfer steps that found the link held (the data budget spent).
    var heldSteps = 0
    var crashes = 0
    /// Graceful stops (SIGTERM) that ran to their end.
    var stops = 0
    var tornWrites = 0
    var damagedRecords = 0
    var resumes = 0
    /// Final states the backend was told, by state.
    var endings: [String: Int] = [:]

    mutating func add(_ other: SimulationReport) {
        events += other.events
        heldSteps += other.heldSteps
        crashes += other.crashes
        stops += other.stops
        tornWrites += other.tornWrites
        damagedRecords += other.damagedRecords
        resumes += other.resumes
        endings.merge(other.endings, uniquingKeysWith: +)
    }

    var summary: String {
        let ended = endings.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        return "\(events) events, \(stops) SIGTERM stops, \(crashes) crashes (\(tornWrites) during a write), \(damagedRecords) damaged records, \(heldSteps) transfer steps held by a spent data budget, \(resumes) resumed transfers; uploads ended: \(ended)"
    }
}
