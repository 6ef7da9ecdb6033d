import Testing
@testable import UploadAgent

/// What libFuzzer found (`scripts/fuzz`, targets in Tests/fuzz/Targets), each with the
/// input that broke a parser or one of the target's checks, kept so the fix stays.
@Suite struct FuzzFindingsTests {
    /// `s3-xml`: a `>` followed by a combining mark (here U+0820) is one Character, so the
    /// Character-wise escape let it through raw into the XML we send back (an ETag goes into
    /// CompleteMultipartUpload).
    @Test func escapingCatchesAngleBracketsBeforeCombiningMarks() {
        let found = bytes(fromHex: """
            2261353433353761662630363332a0a0a0a0a0a0a03c2f436f6d6d6974746564426c6f636b733ee0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a032
            616636383335366233382d3322a0a0a0a0a0a0a0a0a02261353433353761666630363332a0a0a0a0a0a0a0a0a06135343335376166663036
            3332a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a03c2f426c6f636b3e35366233382d3322a06363262378413b653436643934
            3261663638a0a0a0a0a0a0a0a0a0a0a0333536626333
            """)
        for text in [String(decoding: found, as: UTF8.self), "<\u{301}b>\u{820}&\u{301}"] {
            let escaped = XMLText.escape(text)
            #expect(!escaped.unicodeScalars.contains("<") && !escaped.unicodeScalars.contains(">"))
            #expect(XMLText.unescape(escaped) == text)
        }
        #expect(XMLText.escape("a<\u{301}") == "a&lt;\u{301}")
        #expect(XMLText.unescape("&lt;\u{301}&amp;lt;") == "<\u{301}&lt;")
    }

    /// `azure-xml`: `&#xD;&#xA;` decodes to "\r\n", a single Character equal to neither "\n"
    /// nor "\r", so the message's "first line" ran on into Azure's RequestId line.
    @Test func azureMessageEndsAtACRLFLineBreak() {
        let found = #"<?xml version="1.0" encoding="utf-8"?><Error><Code>Md5Mismatch</Code><Message>The MD5 value "#
            + "specified in the request did not match with the MD5 value calculated by the server.&#xD;&#xA;"
            + #"RequestId:1</Message><UserSpecifiedMd5>1B2M2Y8AsgTpgAmY7PhCfg==</UserSpecifiedMd5></Error>"#
        let error = AzureStorageError(response: HTTPResponse(status: 400, body: Array(found.utf8)))
        #expect(error.message == "The MD5 value specified in the request did not match with the MD5 value calculated by the server.")
        #expect(error.isChecksumMismatch)
        #expect(AzureStorageError.singleLine("a\r\nb\r\n\r\nc") == "a b c")
    }

    /// `azure-xml`: with `</CommittedBlocks>` missing, the committed section ran to the end
    /// of the reply and took in the uncommitted blocks as well.
    @Test func blockListSectionsDoNotOverlap() {
        let found = #"<?xml version="1.0" encoding="utf-8"?><BlockList><CommittedBlocks><Block><Name>YmxvY2stMDAwMDAw</Name>"#
            + #"<Size>4194304</Size></Block><Block><Name>YmxvY2stMDAwMDAx</Name><Size>4194304</Sitze></Block></CommittFoedBlocks>"#
            + #"<UncommittedBlocks><Block><Name>YmxvY2stMDAwMDAy</Name><Size>1024</Sizeun></Block></Und"#
            + "\ncommittedBlocks></BlockList>"
        let list = AzureBlockListXML.parseBlockList(found)
        #expect(list.committed.map(\.id) == ["YmxvY2stMDAwMDAw", "YmxvY2stMDAwMDAx"])
        #expect(list.committed.map(\.size) == [4_194_304, 0])
        #expect(list.uncommitted.map(\.id) == ["YmxvY2stMDAwMDAy"])
        // A reply cut at the body cap still yields the blocks before the cut.
        let cut = AzureBlockListXML.parseBlockList("<BlockList><UncommittedBlocks><Block><Name>a</Name><Size>1</Size></Block><Bl")
        #expect(cut.uncommitted == [.init(id: "a", size: 1)])
    }

    /// `config`: "logFileSize" as a string took any Int (numbers stop below 10^12), and the
    /// log sink's megabytes × 2^20 trapped on overflow at start. Found while writing the
    /// config target (the fuzzer did not reach it in 4 minutes; it is a seed now).
    @Test func hugeIntegerStringsAreRefusedWithTheKeyNamed() throws {
        for flag in ["-logFileSize=9223372036854775807", "--logFileCount=-9223372036854775808", "-retryAttempts=1000000000000"] {
            #expect(throws: ConfigError.self) { try ConfigLoader.load(arguments: [flag]) }
            do {
                _ = try ConfigLoader.load(arguments: [flag])
            } catch {
                #expect(error.problem.hasSuffix("is out of range"), "\(error)")
                #expect(flag.contains(error.key))
            }
        }
        let largest = try ConfigLoader.load(arguments: ["-logFileSize=999999999999"]).config
        #expect(largest.logFileSize == 999_999_999_999)
        _ = LogSink(path: nil, maxMegabytes: largest.logFileSize, keep: largest.logFileCount)
    }

    private func bytes(fromHex hex: String) -> [UInt8] {
        let digits = Array(hex.utf8.filter { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: " ") })
        return stride(from: 0, to: digits.count - 1, by: 2).map { UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)! }
    }
}
