import Testing
@testable import UploadAgent
#if canImport(Glibc)
import Glibc
#endif

/// Runs the simulator over a budget of seeds (`SIM_SEEDS` from `SIM_FIRST`, split over a few
/// parallel cases; `SIM_SEED` replays one). `SIM_FAULT=<name>` puts a known defect back
/// (`InjectedFault`): the run must then fail, which `make test` checks for each. A failure
/// prints the violations, the steps that led to them, and the command that replays the seed.
@Suite struct SimulationTests {
    /// A plain `swift test` runs a few; `make test` (and `make simulate`) runs SEEDS=1000.
    static let defaultSeeds = 200
    static let chunks = 4

    @Test(arguments: 0..<chunks) func seedsHoldEveryInvariant(chunk: Int) async {
        let settings = SimulationSettings.current
        InjectedFault.inject(settings.fault)
        let seeds = settings.seeds.enumerated().filter { $0.offset % Self.chunks == chunk }.map(\.element)
        guard !seeds.isEmpty else { return }
        let root = SimulationSettings.root()
        defer { _ = system("rm -rf '\(root)'") }
        var total = SimulationReport(violations: [], trace: [])
        let began = ContinuousClock.now
        for seed in seeds {
            let report = await Simulation(seed: seed, root: root).run()
            total.add(report)
            guard let first = report.violations.first else { continue }
            let fault = settings.fault.map { " FAULT=\($0.rawValue)" } ?? ""
            let saved = SimulationSettings.save(report.trace, seed: seed)
            print("simulation seed \(seed) failed:\n" + report.violations.prefix(5).map { "  violation: \($0)" }.joined(separator: "\n"))
            print("its last steps (all \(report.trace.count) in \(saved)):\n" + report.trace.suffix(60).joined(separator: "\n"))
            print("replay: make simulate SEED=\(seed)\(fault)")
            Issue.record("seed \(seed): \(first) (replay: make simulate SEED=\(seed)\(fault))")
            return
        }
        let seconds = (ContinuousClock.now - began) / .seconds(1)
        print("simulation: \(seeds.count) seed(s) held every invariant in \(Int(seconds)) s (\(Int(Double(total.events) / max(seconds, 0.001))) events/s) through \(total.summary)")
    }

    /// `make test` puts back every known defect the simulator must catch, none forgotten.
    @Test func everyInjectedFaultIsCheckedByMakeTest() throws {
        let makefile = String(#filePath.split(separator: "/").dropLast(4).joined(separator: "/"))
        let text = try #require(SimulationSettings.read("/\(makefile)/Makefile"))
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("SIMULATED_FAULTS :=") })
        let listed = Set(line.dropFirst("SIMULATED_FAULTS :=".count).split(separator: " ").map(String.init))
        #expect(listed == Set(InjectedFault.allCases.map(\.rawValue)))
    }

    /// A seed is the whole run: the same seed takes the same steps.
    @Test func aSeedReplaysExactly() async {
        guard SimulationSettings.current.fault == nil else { return }
        let root = SimulationSettings.root()
        defer { _ = system("rm -rf '\(root)'") }
        let first = await Simulation(seed: 12, root: root).run()
        let second = await Simulation(seed: 12, root: root).run()
        #expect(first.trace.count > 100)
        #expect(first.trace == second.trace)
    }
}
