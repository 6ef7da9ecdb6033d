import Testing
@testable import UploadAgent

/// The clock the feature's tests run on: sleepers wake when the test advances time, in
/// deadline order, and a cancelled sleeper throws at once.
@Suite struct TestClockTests {
    @Test func sleepersWakeInDeadlineOrderWhenTimeIsAdvanced() async throws {
        let clock = TestClock(now: 1_000)
        let woke = Woken()
        let late = Task { try await clock.sleep(for: 10); await woke.add("late") }
        let early = Task { try await clock.sleep(for: 2); await woke.add("early") }
        while clock.sleeping < 2 { await Task.yield() }
        clock.advance(by: 1)
        #expect(clock.sleeping == 2)
        clock.advance(by: 1)
        try await early.value
        #expect(await woke.names == ["early"])
        clock.advance(by: 8)
        try await late.value
        #expect(await woke.names == ["early", "late"])
        #expect(clock.now() == 1_010 && clock.uptime() == 10)
    }

    @Test func aCancelledSleeperThrowsWithoutTimePassing() async {
        let clock = TestClock(now: 0)
        let sleeper = Task { try await clock.sleep(for: 3600) }
        while clock.sleeping < 1 { await Task.yield() }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleeping == 0 && clock.uptime() == 0)
    }

    actor Woken {
        var names: [String] = []
        func add(_ name: String) { names.append(name) }
    }
}
