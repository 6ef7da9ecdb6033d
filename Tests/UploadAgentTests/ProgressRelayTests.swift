import Synchronization
import Testing
@testable import UploadAgent

@Suite struct ProgressRelayTests {
    @Test func forwardsEachNewPercentButNeverTheLastByte() {
        let forwarded = Mutex<[Int64]>([])
        let relay = ProgressRelay(size: 1000, interval: 3600) { bytes in forwarded.withLock { $0.append(bytes) } }
        for bytes: Int64 in [5, 5, 9, 10, 3, 500, 999, 1000, 1000] { relay.report(bytes) }
        // 9 is still 0 %, 3 goes back; the end (1000) is told by the upload's result.
        #expect(forwarded.withLock { $0 } == [5, 10, 500, 999])
    }
}

/// One policy for both audiences: the backend hears every state change and each new whole
/// percent, and the status file is never rebuilt faster than the relay feeds it.
@Suite struct ProgressPolicyTests {
    @Test func theBackendHearsStateChangesAndNewWholePercentsOnly() {
        let policy = ProgressPolicy.standard
        #expect(policy.tellsBackend(progress: 40, published: 40, onlyProgress: false))
        #expect(!policy.tellsBackend(progress: 40, published: 40, onlyProgress: true))
        #expect(policy.tellsBackend(progress: 41, published: 40, onlyProgress: true))
        #expect(policy.statusInterval >= policy.relayInterval / 2 && policy.statusInterval <= 1)
    }
}
