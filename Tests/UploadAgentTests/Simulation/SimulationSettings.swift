#if canImport(Glibc)
import Glibc
#endif
@testable import UploadAgent

/// What the environment asks of the simulator (`make simulate` sets it).
struct SimulationSettings {
    var seeds: [UInt64]
    var fault: InjectedFault?

    static var current: SimulationSettings {
        let value = { (name: String) -> String? in getenv(name).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } }
        let fault = value("SIM_FAULT").flatMap(InjectedFault.init(rawValue:))
        if let one = value("SIM_SEED").flatMap(UInt64.init) { return SimulationSettings(seeds: [one], fault: fault) }
        let count = value("SIM_SEEDS").flatMap(UInt64.init) ?? UInt64(SimulationTests.defaultSeeds)
        let first = value("SIM_FIRST").flatMap(UInt64.init) ?? 1
        return SimulationSettings(seeds: Array(first..<(first + count)), fault: fault)
    }

    /// Writes a failed run's whole trace where the replaying person finds it.
    static func save(_ trace: [String], seed: UInt64) -> String {
        let path = "/tmp/fua-simulation-seed-\(seed).trace"
        if let handle = fopen(path, "w") {
            fputs(trace.joined(separator: "\n") + "\n", handle)
            fclose(handle)
        }
        return path
    }

    static func read(_ path: String) -> String? {
        guard let handle = fopen(path, "r") else { return nil }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while case let count = fread(&buffer, 1, buffer.count, handle), count > 0 { bytes += buffer[0..<count] }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A scratch folder on tmpfs where there is one (journal syncs cost nothing there).
    static func root() -> String {
        let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        let root = "\(base)/fua-simulation-\(getpid())-\(Int.random(in: 0..<1_000_000_000))"
        mkdir(root, 0o755)
        return root
    }
}
