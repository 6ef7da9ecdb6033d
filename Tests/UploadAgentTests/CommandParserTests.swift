import Testing
@testable import UploadAgent

@Suite struct CommandParserTests {
    let parser = CommandParser(thing: ThingID("edge:device")!, featureId: "AutoUploadable")

    func envelope(_ operation: String, value: String, headers: String = #"{"response-required":true,"content-type":"application/json","correlation-id":"c-1"}"#,
                  topic: String = "edge/device") -> [UInt8] {
        Array(#"{"topic":"\#(topic)/things/live/messages/\#(operation)","headers":\#(headers),"path":"/features/AutoUploadable/inbox/messages/\#(operation)","value":\#(value)}"#.utf8)
    }

    func inbox(_ outcome: CommandParser.Outcome) -> InboxMessage? {
        if case .inbox(let message) = outcome { return message }
        return nil
    }

    @Test func seedStartExample() throws {
        let payload = envelope("start", value: #"{"correlationID":"upload-id-1704439450#1","options":{"aws.access.key.id":"AK","aws.region":"eu-central-1","aws.s3.bucket":"b","aws.secret.access.key":"S","storage.provider":"aws"}}"#)
        let message = try #require(inbox(parser.parse(topic: "command//edge:device/req//start", payload: payload)))
        #expect(message.hono == HonoTopic(tenant: "", device: "edge:device", requestId: "", subject: "start"))
        #expect(message.hono.responseTopic(status: 204) == "command//edge:device/res//204")
        #expect(message.correlationHeader == "c-1")
        #expect(message.responseRequired)
        guard case .success(.start(let id, let options)) = message.operation else { Issue.record("not start"); return }
        #expect(id == "upload-id-1704439450#1")
        #expect(options["storage.provider"] == "aws")
    }

    @Test func kantoSpellingsAndTypes() throws {
        let cancel = try #require(inbox(parser.parse(topic: "command/t/d/req/r/cancel",
            payload: envelope("cancel", value: #"{"correlationId":"u#1","statusCode":"499","message":"stop"}"#))))
        #expect(cancel.operation == .success(.cancel(correlationId: "u#1", statusCode: "499", message: "stop")))
        let seedCancel = try #require(inbox(parser.parse(topic: "command//edge:device/req//cancel",
            payload: envelope("cancel", value: #"{"correlationID":"u#1","statusCode":400,"message":"why"}"#))))
        #expect(seedCancel.operation == .success(.cancel(correlationId: "u#1", statusCode: "400", message: "why")))
        let trigger = try #require(inbox(parser.parse(topic: "command//edge:device/req//trigger",
            payload: envelope("trigger", value: #"{"options":{"force":true,"n":3}}"#, headers: #"{"response-required":"false"}"#))))
        #expect(trigger.operation == .success(.trigger(correlationId: nil, options: ["force": "true", "n": "3"])))
        #expect(!trigger.responseRequired)
        #expect(trigger.correlationHeader == nil)
    }

    @Test func activateTimeForms() throws {
        func activate(_ value: String) -> Result<Operation, OperationError>? {
            inbox(parser.parse(topic: "command//edge:device/req//activate", payload: envelope("activate", value: value)))?.operation
        }
        #expect(activate(#"{"from":957139200,"to":959817599}"#) == .success(.activate(from: 957_139_200, to: 959_817_599)))
        #expect(activate(#"{"from":957139200000,"to":959817599000}"#) == .success(.activate(from: 957_139_200, to: 959_817_599)))
        #expect(activate(#"{"from":"2000-05-01T00:00:00Z"}"#) == .success(.activate(from: 957_139_200, to: nil)))
        #expect(activate("{}") == .success(.activate(from: nil, to: nil)))
        guard case .failure(let error)? = activate(#"{"from":959817599,"to":957139200}"#) else { Issue.record("accepted"); return }
        #expect(error.status == 400 && error.code == OperationError.parameterInvalid)
        guard case .failure(let typeError)? = activate(#"{"from":true}"#) else { Issue.record("accepted"); return }
        #expect(typeError.status == 400)
    }

    @Test func wrongTypesAreBadRequests() throws {
        for (operation, value) in [("start", #"{"correlationID":5}"#), ("start", #"{"options":{}}"#),
                                   ("trigger", #""just a string""#), ("trigger", #"{"options":[1]}"#),
                                   ("cancel", #"{"correlationID":"x","statusCode":{}}"#)] {
            let message = try #require(inbox(parser.parse(topic: "command//edge:device/req//\(operation)",
                                                          payload: envelope(operation, value: value))))
            guard case .failure(let error) = message.operation else { Issue.record("accepted \(value)"); continue }
            #expect(error.status == 400 && error.code == OperationError.parameterInvalid)
        }
    }

    @Test func unsupportedOperation() throws {
        let message = try #require(inbox(parser.parse(topic: "command//edge:device/req//reboot",
                                                      payload: envelope("reboot", value: "{}"))))
        #expect(message.operation == .failure(OperationError(status: 400, code: OperationError.executionFailed,
                                                              message: "unsupported operation 'reboot'")))
    }

    @Test func foreignOrBrokenMessagesAreIgnored() {
        let cases: [(String, [UInt8])] = [
            ("command//edge:device/req//start", Array("not json".utf8)),
            ("command//edge:device/req//start", Array("[1,2]".utf8)),
            ("command//edge:device/req//start", Array(#"{"topic":"edge/device/things/live/messages/start"}"#.utf8)),
            ("command//other:device/req//start", envelope("start", value: "{}", topic: "other/device")),
            ("command//edge:device/req//start", Array(#"{"topic":"edge/device/things/live/messages/start","path":"/features/Other/inbox/messages/start"}"#.utf8)),
            ("telemetry/x", envelope("start", value: "{}")),
            ("command//edge:device/req//start", []),
        ]
        for (topic, payload) in cases {
            if case .inbox = parser.parse(topic: topic, payload: payload) {
                Issue.record("not ignored: \(topic) \(String(decoding: payload, as: UTF8.self))")
                continue
            }
        }
    }

    @Test func responseEnvelope() throws {
        let message = try #require(inbox(parser.parse(topic: "command/t1/edge:device/req/42/start",
                                                      payload: envelope("start", value: #"{"correlationID":"x"}"#))))
        let ok = JSONValue.parse(DittoMessages.response(to: message, error: nil).bytes)!
        #expect(ok["path"]?.stringValue == "/features/AutoUploadable/outbox/messages/start")
        #expect(ok["status"]?.numberValue == 204)
        #expect(ok["value"] == nil)
        #expect(ok["headers"]?["correlation-id"]?.stringValue == "c-1")
        let failed = JSONValue.parse(DittoMessages.response(to: message, error: .notFound("gone")).bytes)!
        #expect(failed["value"]?["error"]?.stringValue == "messages:parameter.invalid")
        #expect(failed["value"]?["status"]?.numberValue == 404)
        #expect(message.hono.responseTopic(status: 404) == "command/t1/edge:device/res/42/404")
    }
}
