import Testing
@testable import UploadAgent

/// What the backend is owed leaves the ledger only by the acknowledgement of its newest
/// message, and a status waits for the disk in the order it was told.
@Suite struct DeliveryLedgerTests {
    static func upload(_ id: String) -> UploadRecord { UploadRecord(correlationId: id, startTime: 0, fileCount: 1) }

    @Test func onlyTheAcknowledgementOfTheNewestStatusSettlesIt() {
        var ledger = DeliveryLedger()
        let first = ledger.oweLastUpload(of: "up")
        ledger.published(.lastUpload(parentId: "up", sequence: first), as: 1)
        let second = ledger.oweLastUpload(of: "up")
        ledger.published(.lastUpload(parentId: "up", sequence: second), as: 2)
        #expect(ledger.acknowledged(1) == nil, "an older status settles nothing")
        #expect(ledger.owesLastUpload)
        #expect(ledger.acknowledged(2) == "up")
        #expect(!ledger.owesLastUpload)
        #expect(ledger.acknowledged(2) == nil, "acknowledged once")
    }

    @Test func aReconnectForgetsMessageIdsButNotWhatIsOwed() {
        var ledger = DeliveryLedger()
        let sequence = ledger.oweLastUpload(of: "up")
        ledger.published(.lastUpload(parentId: "up", sequence: sequence), as: 7)
        ledger.oweRequest("up#1")
        ledger.published(.request(fileId: "up#1"), as: 8)
        ledger.connectionChanged()
        #expect(ledger.acknowledged(7) == nil && ledger.acknowledged(8) == nil)
        #expect(ledger.lastUploadsOwed == ["up"] && ledger.owedRequests == ["up#1"])
        ledger.published(.request(fileId: "up#1"), as: 1)
        _ = ledger.acknowledged(1)
        #expect(ledger.owedRequests.isEmpty)
    }

    @Test func statusesWaitForTheDiskAndLeaveInTheOrderTold() {
        var ledger = DeliveryLedger()
        let a = ledger.oweLastUpload(of: "a")
        ledger.awaitDisk(Self.upload("a"), sequence: a)
        let b = ledger.oweLastUpload(of: "b")
        ledger.awaitDisk(Self.upload("b"), sequence: b)
        let c = ledger.oweLastUpload(of: "c")
        ledger.awaitDisk(Self.upload("c"), sequence: c)
        #expect(ledger.lastUploadsOwed == ["a", "b", "c"])
        #expect(ledger.durable(through: b).map(Self.name) == ["a", "b"])
        #expect(ledger.isAwaitingDisk("c") && !ledger.isAwaitingDisk("a"))
        #expect(ledger.durable(through: b).isEmpty)
        #expect(ledger.durable(through: c).map(Self.name) == ["c"])
    }

    /// A command's answer is numbered before the requests of the upload it triggered, and
    /// both leave with the statuses in one order once the disk has them.
    @Test func answersAndRequestsWaitForTheDiskInTheirOrder() {
        var ledger = DeliveryLedger()
        let answer = ledger.reserve()
        let status = ledger.oweLastUpload(of: "a")
        ledger.awaitDisk(Self.upload("a"), sequence: status)
        ledger.hold(.requests(uploadId: "a"), as: ledger.reserve())
        ledger.hold(.response(topic: "t", payload: [1]), as: answer)
        #expect(ledger.durable(through: answer).map(Self.name) == ["response t"])
        #expect(ledger.durable(through: answer + 2).map(Self.name) == ["a", "requests a"])
        #expect(ledger.durable(through: answer + 2).isEmpty)
    }

    /// One question to the disk at a time: what comes while it is open is asked for once,
    /// when the answer arrives.
    @Test func theDiskIsAskedOnceForABurst() {
        var ledger = DeliveryLedger()
        let asked = [ledger.needsProbe(for: 1), ledger.needsProbe(for: 2), ledger.needsProbe(for: 3)]
        #expect(asked == [true, false, false])
        let next = ledger.probeAnswered(1)
        #expect(next == 3)
        let after = ledger.probeAnswered(3)
        #expect(after == nil)
        let again = ledger.needsProbe(for: 4)
        #expect(again)
    }

    static func name(_ release: DurableRelease) -> String {
        switch release {
        case .lastUpload(let upload, _): upload.correlationId
        case .effect(.response(let topic, _)): "response \(topic)"
        case .effect(.requests(let id)): "requests \(id)"
        }
    }
}
