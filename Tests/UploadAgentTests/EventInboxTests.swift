import Testing
@testable import UploadAgent

@Suite struct EventInboxTests {
    @Test func everyEventArrivesInOrderAndABusyConsumerGetsThemInOneBatch() async {
        let inbox = EventInbox<Int>()
        for number in 0..<1000 { inbox.yield(number) }
        #expect(await inbox.next() == Array(0..<1000))

        // A waiting consumer is woken by the next event.
        async let woken = inbox.next()
        try? await Task.sleep(for: .milliseconds(20))
        inbox.yield(1000)
        #expect(await woken == [1000])
    }

    @Test func finishingHandsOverWhatIsLeftThenEnds() async {
        let inbox = EventInbox<Int>()
        inbox.yield(1)
        inbox.finish()
        inbox.yield(2)  // after the end: not delivered
        #expect(await inbox.next() == [1])
        #expect(await inbox.next() == nil)

        let waiting = EventInbox<Int>()
        async let ended = waiting.next()
        try? await Task.sleep(for: .milliseconds(20))
        waiting.finish()
        #expect(await ended == nil)
    }

    @Test func eventsFromManyThreadsAreAllDelivered() async {
        let inbox = EventInbox<Int>()
        await withTaskGroup(of: Void.self) { group in
            for thread in 0..<4 {
                group.addTask { for number in 0..<500 { inbox.yield(thread * 1000 + number) } }
            }
        }
        inbox.finish()
        var received: [Int] = []
        while let batch = await inbox.next() { received += batch }
        #expect(received.count == 2000)
        for thread in 0..<4 {
            // Each producer's events stay in the order it sent them.
            #expect(received.filter { $0 / 1000 == thread } == (0..<500).map { thread * 1000 + $0 })
        }
    }
}
