import Testing
@testable import UploadAgent

@Suite struct TransferSizingTests {
    let mib: Int64 = 1 << 20

    @Test func anUnlimitedLinkKeepsThePreferredShape() {
        #expect(TransferSizing.choose(rate: nil, minimum: 5 * mib, granularity: mib, preferred: 8 * mib, maxInFlight: 4)
                == TransferSizing(pieceSize: 8 * mib, inFlight: 4))
        #expect(TransferSizing.choose(rate: 100_000_000, minimum: 5 * mib, granularity: mib, preferred: 8 * mib, maxInFlight: 4)
                == TransferSizing(pieceSize: 8 * mib, inFlight: 4))
    }

    @Test func aSlowLinkRisksAboutASecondOfItPerKill() {
        // 3 MB/s: S3 cannot go below 5 MiB, so one part at a time.
        #expect(TransferSizing.choose(rate: 3_000_000, minimum: 5 * mib, granularity: mib, preferred: 8 * mib, maxInFlight: 4)
                == TransferSizing(pieceSize: 5 * mib, inFlight: 1))
        // Azure blocks: two of 1.25 MiB in flight, 2.5 MiB at risk.
        let azure = TransferSizing.choose(rate: 3_000_000, minimum: 256 * 1024, granularity: 256 * 1024,
                                          preferred: 8 * mib, maxInFlight: 4)
        #expect(azure == TransferSizing(pieceSize: 5 * 256 * 1024, inFlight: 2))
        #expect(Double(azure.pieceSize) * Double(azure.inFlight) <= 3_000_000)
        // A resumable session sends one chunk at a time: 2.75 MiB.
        #expect(TransferSizing.choose(rate: 3_000_000, minimum: 256 * 1024, granularity: 256 * 1024, preferred: 8 * mib, maxInFlight: 1)
                == TransferSizing(pieceSize: 11 * 256 * 1024, inFlight: 1))
    }

    @Test func aVerySlowLinkGetsTheSmallestPieceAlone() {
        #expect(TransferSizing.choose(rate: 10_000, minimum: 256 * 1024, granularity: 256 * 1024, preferred: 8 * mib, maxInFlight: 4)
                == TransferSizing(pieceSize: 256 * 1024, inFlight: 1))
    }
}
