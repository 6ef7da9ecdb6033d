/// A file a trigger matched but does not upload (a link whose target lies outside the
/// scope), shown in the status file so a person sees why it is missing.
public struct RefusedFile: Codable, Sendable, Equatable {
    public var path: String
    public var reason: String
}
