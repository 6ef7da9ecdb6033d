import Testing
@testable import UploadAgent

/// A URL or SAS that expired while the agent was down must make a resumed upload ask the
/// backend for new credentials, exactly as a 403 does, not fail the file.
@Suite struct PresignedURLExpiryTests {
    @Test func anExpiredURLCountsAsRefusedCredentials() {
        #expect(throws: UploadFailure.self) { try PresignedURLExpiry.check(expiry: 100, now: 100 + 2 * 86_400) }
        do {
            try PresignedURLExpiry.check(expiry: 100, now: 100 + 2 * 86_400)
        } catch {
            #expect(error.credentialsRefused)
        }
    }
}
