import Testing
@testable import UploadAgent

@Suite struct StringByteSearchTests {
    @Test(arguments: [("https://h/v1/files/gcs_proxy/x", "/v1/files/gcs_proxy/"), ("aab", "ab"), ("abc", "abcd"), ("", "a"),
                      ("a", ""), ("ééx", "éx"), ("command/t/d/req//start", "/req/"), ("xyz", "q")])
    func findsWhatStandardSearchFinds(_ text: String, _ needle: String) {
        #expect(text.firstByteRange(of: needle) == text.firstRange(of: needle))
        #expect(text.containsBytes(needle) == (text.firstRange(of: needle) != nil))
    }
}
