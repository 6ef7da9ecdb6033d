import Testing
@testable import UploadAgent

/// Kanto decodes command values with Go's `encoding/json`, which matches field names in any
/// letter case and prefers an exact match; a backend written for Kanto may rely on that.
@Suite struct CommandParserLetterCaseTests {
    func operation(_ name: String, _ value: String) -> Result<Operation, OperationError>? {
        CommandParser.operation(named: name, value: JSONValue.parse(Array(value.utf8)) ?? .null)
    }

    @Test(arguments: ["CorrelationId", "CORRELATIONID", "correlationid", "cOrReLaTiOnId"])
    func correlationIdInAnyCase(field: String) {
        #expect(operation("trigger", #"{"\#(field)":"up-1"}"#) == .success(.trigger(correlationId: "up-1", options: [:])))
        #expect(operation("start", #"{"\#(field)":"up-1#1","OPTIONS":{"https.url":"http://h/x"}}"#)
                == .success(.start(correlationId: "up-1#1", options: ["https.url": "http://h/x"])))
    }

    @Test func cancelFieldsInAnyCase() {
        #expect(operation("cancel", #"{"CORRELATIONID":"u#1","StatusCode":"499","MESSAGE":"stop"}"#)
                == .success(.cancel(correlationId: "u#1", statusCode: "499", message: "stop")))
    }

    @Test func activateBoundsInAnyCase() {
        #expect(operation("activate", #"{"From":957139200,"TO":959817599}"#)
                == .success(.activate(from: 957_139_200, to: 959_817_599)))
    }

    @Test func anExactSpellingWinsOverAnotherCase() {
        #expect(operation("trigger", #"{"CORRELATIONID":"folded","correlationId":"exact"}"#)
                == .success(.trigger(correlationId: "exact", options: [:])))
        #expect(operation("trigger", #"{"correlationId":"kanto","correlationID":"seed"}"#)
                == .success(.trigger(correlationId: "seed", options: [:])))
        #expect(operation("cancel", #"{"correlationID":"u","Message":"folded","message":"exact"}"#)
                == .success(.cancel(correlationId: "u", statusCode: "", message: "exact")))
    }

    @Test func aFoldedFieldOfTheWrongTypeIsStillRefused() {
        guard case .failure(let error)? = operation("start", #"{"CorrelationId":7}"#) else {
            Issue.record("accepted a number as correlation id"); return
        }
        #expect(error.status == 400)
    }

    /// Option names are map keys in Kanto too (exact), so they stay exact here.
    @Test func optionNamesKeepTheirCase() {
        #expect(operation("trigger", #"{"Options":{"Force":"true"}}"#) == .success(.trigger(correlationId: nil, options: ["Force": "true"])))
    }
}
