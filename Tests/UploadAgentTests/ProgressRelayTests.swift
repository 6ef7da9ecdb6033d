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
