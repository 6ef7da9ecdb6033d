import Testing
@testable import UploadAgent

@Suite struct StatusRendererTests {
    @Test func aLargeUploadShowsCountsByStateAndItsFilesInFlight() {
        let document: JSONValue = [
            "agent": ["version": "1.0.0", "pid": 1], "mqtt": ["connected": true, "reconnects": 0],
            "uploads": [[
                "correlationId": "big", "state": "UPLOADING", "progress": 40, "fileCount": 10000,
                "fileStates": ["SUCCESS": 3999, "UPLOADING": 1, "PENDING": 6000],
                "files": [["correlationId": "big#4000", "state": "UPLOADING", "size": 16384, "transferred": 8192,
                           "path": "/data/f4000.log", "provider": "generic", "attempts": 1]],
            ]],
        ]
        let text = StatusRenderer.render(document, now: 0)
        #expect(text.contains("10000 files: 6000 PENDING, 3999 SUCCESS, 1 UPLOADING; in flight:"), "\(text)")
        #expect(text.contains("big#4000"))
        #expect(text.split(separator: "\n").count < 12)
    }
}
