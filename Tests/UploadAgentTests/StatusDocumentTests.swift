import Testing
@testable import UploadAgent

@Suite struct StatusDocumentTests {
    /// Every key of PROTOCOL.md section 8 is there whatever the state: what is unknown is
    /// null (no thing yet, no link, a running upload's end), never a missing key.
    @Test func absentValuesAreNullNotMissing() throws {
        let document = try #require(JSONParser.parse(try CompactJSONEncoder.encode(StatusDocument.sample(), indented: true)))
        #expect(document["thing"] == .null)
        #expect(document["link"] == .null)
        #expect(document["feature"]?["nextRunAt"] == .null)
        #expect(document["mqtt"]?["lastError"] == .null)
        let upload = try #require(document["uploads"]?.arrayValue?.first)
        #expect(upload["endTime"] == .null)
        #expect(upload["refused"] == nil && upload["archive"] == nil)
        #expect(upload["fileStates"] == ["PENDING": 1, "UPLOADING": 1])
        #expect(upload["files"]?.arrayValue?.map { $0["provider"] } == [.string("generic"), .null])
        #expect(upload["files"]?.arrayValue?.first?["message"] == nil)
    }

    /// The file is for people too: one member per line, two spaces per level; the same
    /// JSON as the compact form.
    @Test func theFileIsIndentedAndEqualsTheCompactForm() throws {
        let indented = try CompactJSONEncoder.encode(StatusDocument.sample(), indented: true)
        let compact = try CompactJSONEncoder.encode(StatusDocument.sample())
        #expect(JSONParser.parse(indented) == JSONParser.parse(compact))
        let text = String(decoding: indented, as: UTF8.self)
        #expect(text.hasPrefix("{\n  \"agent\": {\n    \"version\": \"test\",\n"))
        #expect(text.contains("\"recent\": [],\n"))
        #expect(text.hasSuffix("\n  \"link\": null\n}"))
    }

    /// A link's rate is bytes per second, or a word when there is no number.
    @Test func theRateInForceIsANumberOrAWord() throws {
        #expect(try CompactJSONEncoder.encode([BandwidthTimetable.Rate.limited(bytesPerSecond: 2048), .unlimited, .paused])
            == Array(#"[2048,"unlimited","paused"]"#.utf8))
    }
}
