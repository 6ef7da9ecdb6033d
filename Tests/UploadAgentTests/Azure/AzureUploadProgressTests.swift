import Synchronization
import Testing
@testable import UploadAgent

@Suite struct AzureUploadProgressTests {
    @Test func concurrentBlocksAddUpAndARetryNeverGoesBack() {
        let reported = Mutex<[Int64]>([])
        let progress = AzureUploadProgress { total in reported.withLock { $0.append(total) } }
        progress.sent(300, ofBlock: 0, length: 1000)
        progress.sent(200, ofBlock: 1, length: 1000)
        progress.sent(100, ofBlock: 0, length: 1000)  // block 0 is being sent again
        progress.sent(5000, ofBlock: 1, length: 1000)  // never more than the block
        progress.finished(block: 1, length: 1000)
        progress.finished(block: 0, length: 1000)
        #expect(reported.withLock { $0 } == [300, 500, 1300, 2000])
    }

    @Test func resumedBytesAreReportedFirst() {
        let reported = Mutex<[Int64]>([])
        let progress = AzureUploadProgress(alreadyDone: 4000) { total in reported.withLock { $0.append(total) } }
        progress.sent(10, ofBlock: 4, length: 1000)
        #expect(reported.withLock { $0 } == [4000, 4010])
    }
}
