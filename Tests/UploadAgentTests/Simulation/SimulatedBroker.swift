import Synchronization
@testable import UploadAgent

/// The MQTT broker between the agent and the backend, as QoS 1 lets it behave: messages
/// reach the backend in any order the simulator picks, acknowledgements come late, twice
/// or never (a connection cut loses them), and a message in flight at a cut may or may not
/// have arrived.
final class SimulatedBroker: MessagePublisher {
    struct Message {
        let id: Int32
        let topic: String
        let payload: [UInt8]
    }

    private struct State {
        var connected = false
        var nextId: Int32 = 0
        var inFlight: [Message] = []
        /// Messages the backend has, whose acknowledgement has not reached the agent.
        var acknowledgements: [Message] = []
    }

    private let state = Mutex(State())

    func publish(topic: String, payload: [UInt8]) -> Int32? {
        state.withLock { state in
            guard state.connected else { return nil }
            state.nextId = state.nextId == Int32.max ? 1 : state.nextId + 1
            state.inFlight.append(Message(id: state.nextId, topic: topic, payload: payload))
            return state.nextId
        }
    }

    var connected: Bool { state.withLock { $0.connected } }
    var inFlightCount: Int { state.withLock { $0.inFlight.count } }
    var acknowledgementCount: Int { state.withLock { $0.acknowledgements.count } }

    /// A (new) session of the agent: message ids start again, as in a new process.
    func connect(newSession: Bool) {
        state.withLock { state in
            state.connected = true
            if newSession { state.nextId = 0 }
        }
    }

    /// The connection is cut: of the messages in flight, the first `arrived(count)` (in
    /// the order sent: one stream) reached the broker; no acknowledgement outstanding
    /// reaches the agent. Returns the ones that arrived.
    func disconnect(arrived: (Int) -> Int) -> [Message] {
        state.withLock { state in
            state.connected = false
            defer {
                state.inFlight = []
                state.acknowledgements = []
            }
            return Array(state.inFlight.prefix(arrived(state.inFlight.count)))
        }
    }

    /// Hands one message in flight to the backend (`choose` picks the topic: a broker
    /// keeps the order of one client's messages on a topic, not across topics); its
    /// acknowledgement is then on its way.
    func deliver(choose: (Int) -> Int) -> Message? {
        state.withLock { state in
            var heads: [Int] = []
            var topics: Set<String> = []
            for (index, message) in state.inFlight.enumerated() where topics.insert(message.topic).inserted { heads.append(index) }
            guard !heads.isEmpty else { return nil }
            let message = state.inFlight.remove(at: heads[choose(heads.count)])
            state.acknowledgements.append(message)
            return message
        }
    }

    /// One acknowledgement for the agent (of this message); `again` keeps it to come a
    /// second time.
    func acknowledgement(choose: (Int) -> Int, again: Bool) -> Message? {
        state.withLock { state in
            guard !state.acknowledgements.isEmpty else { return nil }
            let index = choose(state.acknowledgements.count)
            let message = state.acknowledgements[index]
            if !again { state.acknowledgements.remove(at: index) }
            return message
        }
    }
}
