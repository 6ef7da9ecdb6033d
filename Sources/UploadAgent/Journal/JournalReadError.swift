/// Why a journal file could not be used; the agent moves the file aside and starts clean.
struct JournalReadError: Error, Sendable, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
