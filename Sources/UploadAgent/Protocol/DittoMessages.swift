/// The Ditto envelopes the agent publishes, built in one place so their shapes match
/// PROTOCOL.md section 2 and 4 exactly.
public struct DittoMessages: Sendable {
    public static let definitions: [JSONValue] = [
        "com.bosch.iot.suite.manager.upload:AutoUploadable:1.0.0",
        "com.bosch.iot.suite.manager.upload:Uploadable:1.0.0",
    ]

    public var thing: ThingID
    public var featureId: String

    public init(thing: ThingID, featureId: String) {
        self.thing = thing
        self.featureId = featureId
    }

    /// The answer to an inbox message: 204 without value, or the error.
    public static func response(to message: InboxMessage, error: OperationError?) -> JSONValue {
        var headers: [String: JSONValue] = ["content-type": "application/json"]
        if let correlation = message.correlationHeader { headers["correlation-id"] = .string(correlation) }
        var envelope: [String: JSONValue] = [
            "topic": .string(message.dittoTopic),
            "headers": .object(headers),
            "path": .string(message.path.replacingFirst("/inbox/", with: "/outbox/")),
            "status": .number(Double(error?.status ?? 204)),
        ]
        if let error { envelope["value"] = error.value }
        return .object(envelope)
    }

    /// The twin command that creates (or replaces) the feature.
    /// `lastUpload` is the latest one told, when there is one: the twin keeps it across
    /// the replacement without a message of its own.
    public func featureRegistration(type: String, context: String, autoUpload: JSONValue,
                                    lastUpload: JSONValue? = nil) -> JSONValue {
        var properties: [String: JSONValue] = [
            "type": .string(type), "context": .string(context),
            "info": ["supportedProviders": .string(StorageProviders.supported)],
            "autoUpload": autoUpload,
        ]
        if let lastUpload { properties["lastUpload"] = lastUpload }
        return twinModify(path: "/features/\(featureId)", value: [
            "definition": .array(Self.definitions),
            "properties": .object(properties),
        ])
    }

    /// A twin command that sets one feature property (`autoUpload`, `lastUpload`).
    public func propertyUpdate(_ name: String, value: JSONValue) -> JSONValue {
        twinModify(path: "/features/\(featureId)/properties/\(name)", value: value)
    }

    /// The outbox `request` that asks the backend for upload credentials for one file.
    public func uploadRequest(correlationId: String, options: [String: String], tenant: String) -> JSONValue {
        [
            "topic": .string("\(thing.topicPrefix)/things/live/messages/request"),
            "headers": [
                "response-required": false, "content-type": "application/json",
                "reply-to": .string("command/\(tenant)"),
            ],
            "path": .string("/features/\(featureId)/outbox/messages/request"),
            "value": [
                "correlationId": .string(correlationId),
                "options": .object(options.mapValues { .string($0) }),
            ],
        ]
    }

    private func twinModify(path: String, value: JSONValue) -> JSONValue {
        [
            "topic": .string("\(thing.topicPrefix)/things/twin/commands/modify"),
            "headers": ["response-required": false],
            "path": .string(path),
            "value": value,
        ]
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstByteRange(of: target) else { return self }
        return String(self[..<range.lowerBound]) + replacement + String(self[range.upperBound...])
    }
}
