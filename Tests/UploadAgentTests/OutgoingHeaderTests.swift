import Testing
@testable import UploadAgent

/// Headers are data, never syntax: nothing from an option or a file name can end a line.
@Suite struct OutgoingHeaderTests {
    @Test(arguments: ["X-Test", "x-amz-meta-a", "A!#$%&'*+-.^_`|~1"])
    func tokensAreNames(name: String) {
        #expect(HTTPHeaderField.isValidName(name))
    }

    @Test(arguments: ["", "X Test", "X:Test", "X\r\nY", "Ünicode", "a\"b", "a(b)"])
    func nonTokensAreRefused(name: String) {
        #expect(!HTTPHeaderField.isValidName(name))
        #expect(HTTPHeaderField.problem(name: name, value: "v")?.contains("not a token") == true)
    }

    @Test(arguments: ["ok\r\nX-Injected: hv", "a\nb", "a\rb", "a\u{0}b", "a\u{7f}b"])
    func valuesWithLineBreaksAreRefusedWithoutEchoingThem(value: String) {
        let problem = HTTPHeaderField.problem(name: "X-Test", value: value)
        #expect(problem?.contains("X-Test") == true)
        #expect(problem?.contains("hv") != true)
    }

    @Test func tabsAndUTF8PassInValues() {
        #expect(HTTPHeaderField.problem(name: "X", value: "a\tb ü") == nil)
    }

    @Test func plainNamesKeepKantosForm() {
        #expect(ContentDisposition.attachment(filename: "my-file.log") == "attachment; filename=\"my-file.log\"")
    }

    @Test func hostileNamesAreEncoded() {
        let name = "q\"uo\r\nX-Evil: 1;x=\\ü.log"
        let value = ContentDisposition.attachment(filename: name)
        #expect(HTTPHeaderField.isValidValue(value))
        #expect(value == "attachment; filename=\"q\\\"uoX-Evil: 1;x=\\\\_.log\"; filename*=UTF-8''"
                + "q%22uo%0D%0AX-Evil%3A%201%3Bx%3D%5C%C3%BC.log")
        #expect(PercentEncoding.decode(value.split(separator: "''").last!) == name)
    }

    @Test func genericProviderRefusesInjectedHeaderOptions() {
        let context = ProviderContext(transport: ScriptedTransport(), checksum: false, deviceId: "a:b", now: { 0 })
        for (key, value) in [("https.header.X-Test", "ok\r\nX-Injected: hv"), ("https.header.X:Y", "v"),
                             ("https.header.X Y", "v")] {
            #expect(throws: InvalidStartOptions.self) {
                try GenericHTTPProvider(options: ["https.url": "http://h/p", key: value], context: context)
            }
        }
    }

    @Test func boundedTextCutsAtCharacterBoundariesAndSaysHowMuchWasDropped() {
        #expect(BoundedText.cut("short") == "short")
        let cut = BoundedText.cut(String(repeating: "é", count: 200), to: 5)
        #expect(cut == "éé… [396 more bytes]")
    }

    @Test(arguments: [("uploads", true), ("a-b-c", true), ("$root", true), ("../../etc", false), ("ab", false),
                      ("Upper", false), ("a--b", false), ("-ab", false), ("a/b", false)])
    func azureContainerNames(name: String, valid: Bool) {
        #expect(AzureBlobTarget.isValidContainerName(name) == valid)
    }

    @Test(arguments: [("logs/{file}", nil), ("a/../b", "'a/../b' has a '.' or '..' path segment, which S3 would not store under that name"),
                      ("./a", "'./a' has a '.' or '..' path segment, which S3 would not store under that name"), ("a..b/c.", nil)])
    func s3DotSegments(key: String, problem: String?) {
        #expect(S3Options.dotSegmentProblem(in: key) == problem)
    }
}
