import Testing
@testable import UploadAgent

@Suite struct AzureBlockPlanTests {
    static let mebibyte: Int64 = 1024 * 1024

    @Test func blockIDsHaveEqualLengthAndEncodeAPaddedIndex() {
        let ids = [0, 1, 9, 10, 49_999, 123_456].map(AzureBlockPlan.blockID)
        #expect(Set(ids.map(\.count)) == [64])
        #expect(Set(ids).count == ids.count)
        #expect(AzureBlockPlan.blockID(0) == Array((String(repeating: "0", count: 48)).utf8).base64String)
        #expect(AzureBlockPlan.blockID(7) == Array((String(repeating: "0", count: 47) + "7").utf8).base64String)
    }

    @Test func smallFileIsOneRequest() throws {
        #expect(try AzureBlockPlan(fileSize: 0).usesSingleRequest)
        #expect(try AzureBlockPlan(fileSize: 8 * Self.mebibyte).usesSingleRequest)
        #expect(try !AzureBlockPlan(fileSize: 8 * Self.mebibyte + 1).usesSingleRequest)
    }

    @Test func blocksCoverTheFileExactly() throws {
        let plan = try AzureBlockPlan(fileSize: 40 * Self.mebibyte + 5)
        #expect(plan.blockCount == 6)
        #expect(plan.offset(ofBlock: 5) == 40 * Self.mebibyte)
        #expect(plan.length(ofBlock: 5) == 5)
        #expect((0..<plan.blockCount).map(plan.length).reduce(0, +) == plan.fileSize)
    }

    @Test func blockSizeGrowsToStayWithin50000Blocks() throws {
        let fits = try AzureBlockPlan(fileSize: 50_000 * 8 * Self.mebibyte)
        #expect(fits.blockSize == 8 * Self.mebibyte && fits.blockCount == 50_000)

        let grows = try AzureBlockPlan(fileSize: 50_000 * 8 * Self.mebibyte + 1)
        #expect(grows.blockSize == 9 * Self.mebibyte)
        #expect(grows.blockCount <= 50_000)

        let huge = try AzureBlockPlan(fileSize: 1024 * 1024 * Self.mebibyte)  // 1 TiB
        #expect(huge.blockCount <= 50_000)
        #expect(huge.blockSize % Self.mebibyte == 0)
    }

    @Test func tooLargeForABlockBlobFails() {
        #expect(throws: UploadFailure.self) {
            try AzureBlockPlan(fileSize: 50_000 * 4000 * Self.mebibyte + 1)
        }
    }
}
