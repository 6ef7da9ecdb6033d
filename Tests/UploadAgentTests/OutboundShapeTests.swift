import Testing
@testable import UploadAgent

/// The typed envelopes write exactly the shapes of PROTOCOL.md sections 2 and 4 (what Kanto's
/// backends read): every member, nulls where Kanto writes null, nothing extra.
@Suite struct OutboundShapeTests {
    let messages = DittoMessages(thing: ThingID("edge:device")!, featureId: "AutoUploadable")

    @Test func lastUploadIsKantosShape() throws {
        var upload = UploadRecord(correlationId: "up", startTime: 0, fileCount: 1)
        upload.info = ["k": "v"]
        let sent = try #require(JSONValue.parse(messages.propertyUpdate("lastUpload", value: upload.lastUploadValue(progress: 40)).bytes))
        #expect(sent == [
            "topic": "edge/device/things/twin/commands/modify",
            "headers": ["response-required": false],
            "path": "/features/AutoUploadable/properties/lastUpload",
            "value": [
                "correlationId": "up", "state": "UPLOADING", "startTime": "1970-01-01T00:00:00Z",
                "endTime": "0001-01-01T00:00:00Z", "statusCode": "", "message": "", "progress": 40,
                "info": ["k": "v"],
            ],
        ])
    }

    @Test func theRegistrationCarriesEveryPropertyWithNullsForAnOpenWindow() throws {
        let envelope = messages.featureRegistration(type: "file", context: "edge",
                                                    autoUpload: AutoUploadValue(active: false, startTime: Nullable(nil), endTime: Nullable(nil)))
        let sent = try #require(JSONValue.parse(envelope.bytes))
        #expect(sent["path"] == "/features/AutoUploadable")
        #expect(sent["value"]?["definition"] == .array(DittoMessages.definitions.map(JSONValue.string)))
        #expect(sent["value"]?["properties"] == [
            "type": "file", "context": "edge", "info": ["supportedProviders": "aws,azure,generic"],
            "autoUpload": ["active": false, "startTime": nil, "endTime": nil],
        ])
    }

    @Test func aRequestNamesWhereTheAnswerGoes() throws {
        let sent = try #require(JSONValue.parse(messages.uploadRequest(correlationId: "up#1", options: ["file.path": "/a"], tenant: "t1").bytes))
        #expect(sent == [
            "topic": "edge/device/things/live/messages/request",
            "headers": ["response-required": false, "content-type": "application/json", "reply-to": "command/t1"],
            "path": "/features/AutoUploadable/outbox/messages/request",
            "value": ["correlationId": "up#1", "options": ["file.path": "/a"]],
        ])
    }

    @Test func aDeletionHasNoValue() throws {
        let sent = try #require(JSONValue.parse(messages.featureDeletion().bytes))
        #expect(sent == ["topic": "edge/device/things/twin/commands/delete", "headers": ["response-required": false],
                         "path": "/features/AutoUploadable"])
    }
}
