import Synchronization
import Testing
@testable import UploadAgent

@Suite struct StatusFileWriterTests {
    /// A folder that cannot be written (here: a path below a file, which even root cannot
    /// create) fails every write; the failure is told once, not three times a second.
    @Test func theSameFailureIsToldOnce() {
        let told = Mutex<[String]>([])
        let writer = StatusFileWriter(path: "/dev/null/state/status.json", minimumInterval: 0) { message in
            told.withLock { $0.append(message) }
        }
        for round in 0..<5 {
            writer.submit(.sample(updatedAt: "round \(round)"))
            writer.flush()
        }
        let messages = told.withLock { $0 }
        #expect(messages.count == 1)
        #expect(messages.first?.contains("/dev/null/state/status.json") == true)
    }
}
