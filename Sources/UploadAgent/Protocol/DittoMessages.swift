/// The Ditto envelopes the agent publishes, built in one place so their shapes match
/// PROTOCOL.md section 2 and 4 exactly.
public struct DittoMessages: Sendable {
    static let definitions = [
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
    static func response(to message: InboxMessage, error: OperationError?) -> DittoEnvelope<OperationError> {
        DittoEnvelope(topic: message.dittoTopic,
                      headers: DittoHeaders(correlationId: message.correlationHeader, contentType: "application/json"),
                      path: message.path.replacingFirst("/inbox/", with: "/outbox/"),
                      value: error, status: error?.status ?? 204)
    }

    /// The twin command that creates (or replaces) the feature.
    /// `lastUpload` is the latest one told, when there is one: the twin keeps it across
    /// the replacement without a message of its own.
    func featureRegistration(type: String, context: String, autoUpload: AutoUploadValue,
                             lastUpload: LastUploadValue? = nil) -> DittoEnvelope<FeatureRegistration> {
        twinCommand("modify", path: "/features/\(featureId)", value: FeatureRegistration(
            definition: Self.definitions,
            properties: .init(type: type, context: context, info: .init(supportedProviders: StorageProviders.supported),
                              autoUpload: autoUpload, lastUpload: lastUpload)))
    }

    /// The twin command that removes the feature (from a thing the agent no longer is).
    func featureDeletion() -> DittoEnvelope<NoValue> {
        twinCommand("delete", path: "/features/\(featureId)", value: nil)
    }

    /// A twin command that sets one feature property (`autoUpload`, `lastUpload`).
    func propertyUpdate<Value: Encodable & Sendable>(_ name: String, value: Value) -> DittoEnvelope<Value> {
        twinCommand("modify", path: "/features/\(featureId)/properties/\(name)", value: value)
    }

    /// The outbox `request` that asks the backend for upload credentials for one file.
    func uploadRequest(correlationId: String, options: [String: String], tenant: String) -> DittoEnvelope<UploadRequestValue> {
        DittoEnvelope(topic: "\(thing.topicPrefix)/things/live/messages/request",
                      headers: DittoHeaders(responseRequired: false, contentType: "application/json", replyTo: "command/\(tenant)"),
                      path: "/features/\(featureId)/outbox/messages/request",
                      value: UploadRequestValue(correlationId: correlationId, options: options))
    }

    private func twinCommand<Value>(_ command: String, path: String, value: Value?) -> DittoEnvelope<Value> {
        DittoEnvelope(topic: "\(thing.topicPrefix)/things/twin/commands/\(command)",
                      headers: DittoHeaders(responseRequired: false), path: path, value: value)
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstByteRange(of: target) else { return self }
        return String(self[..<range.lowerBound]) + replacement + String(self[range.upperBound...])
    }
}
