/// The headers of an envelope the agent publishes; those not set are left out.
struct DittoHeaders: Encodable, Sendable, Equatable {
    var correlationId: String?
    var responseRequired: Bool?
    var contentType: String?
    var replyTo: String?

    enum CodingKeys: String, CodingKey {
        case correlationId = "correlation-id"
        case responseRequired = "response-required"
        case contentType = "content-type"
        case replyTo = "reply-to"
    }
}
