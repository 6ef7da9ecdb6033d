/// The value of an envelope that carries none (a twin `delete`).
enum NoValue: Encodable, Sendable {
    func encode(to encoder: any Encoder) throws {}
}
