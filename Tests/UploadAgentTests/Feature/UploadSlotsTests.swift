import Testing
@testable import UploadAgent

@Suite struct UploadSlotsTests {
    let slots = UploadSlots(maxConcurrentUploads: 4, maxConcurrentSmallUploads: 64)
    let small = UploadSlots.smallFileSize
    let large = UploadSlots.smallFileSize + 1

    @Test func largeFilesKeepToMaxConcurrentUploadsAndSmallOnesGoBeyond() {
        #expect(slots.admits(size: large, running: 3))
        #expect(!slots.admits(size: large, running: 4))
        #expect(!slots.admits(size: large, running: 10), "small ones running: the large one waits")
        #expect(slots.admits(size: small, running: 4))
        #expect(slots.admits(size: small, running: 63))
        #expect(!slots.admits(size: small, running: 64))
    }

    @Test func smallUploadsNeverBoundBelowMaxConcurrentUploads() {
        let narrow = UploadSlots(maxConcurrentUploads: 8, maxConcurrentSmallUploads: 2)
        #expect(narrow.total == 8)
        #expect(narrow.admits(size: 1, running: 7) && !narrow.admits(size: 1, running: 8))
    }

    @Test func onALimitedLinkSmallFilesKeepToTheSlots() {
        let capped = UploadSlots(maxConcurrentUploads: 4, maxConcurrentSmallUploads: 64, limitedLink: true)
        #expect(capped.admits(size: 1, running: 3) && !capped.admits(size: 1, running: 4))
    }

    @Test func theRequestsKeepUpWithSmallFilesRunningBeyondTheSlots() {
        #expect(slots.inFlightLimit(window: 8, running: 0) == 12, "as before: the slots and the window")
        #expect(slots.inFlightLimit(window: 8, running: 4) == 12)
        #expect(slots.inFlightLimit(window: 8, running: 20) == 28, "the window stays ahead of the small files")
        #expect(slots.inFlightLimit(window: 8, running: 64) == 72)
    }
}
