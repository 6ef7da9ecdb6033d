import Synchronization
import Testing
@testable import UploadAgent

@Suite struct PartProgressTests {
    @Test func concurrentBlocksAddUpAndARetryNeverGoesBack() {
        let reported = Mutex<[Int64]>([])
        let progress = PartProgress { total in reported.withLock { $0.append(total) } }
        progress.sent(300, part: 0, length: 1000)
        progress.sent(200, part: 1, length: 1000)
        progress.sent(100, part: 0, length: 1000)  // block 0 is being sent again
        progress.sent(5000, part: 1, length: 1000)  // never more than the block
        progress.completed(part: 1, length: 1000)
        progress.completed(part: 0, length: 1000)
        #expect(reported.withLock { $0 } == [300, 500, 1300, 2000])
    }

    @Test func resumedBytesAreReportedFirst() {
        let reported = Mutex<[Int64]>([])
        let progress = PartProgress(alreadyDone: 4000) { total in reported.withLock { $0.append(total) } }
        progress.sent(10, part: 4, length: 1000)
        #expect(reported.withLock { $0 } == [4000, 4010])
    }
}
