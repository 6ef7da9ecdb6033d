import Synchronization
@testable import UploadAgent

/// A transport that records every request and answers with a scripted response, so the
/// block flow of the Azure provider can be checked without a network.
final class AzureRecordingTransport: HTTPTransport, Sendable {
    struct Recorded: Sendable {
        var method: String
        var url: String
        var headers: [String: String]
        var body: HTTPRequest.Body
    }

    private struct Log {
        var requests: [Recorded] = []
        var inFlight = 0
        var maxInFlight = 0
    }

    private let log = Mutex(Log())
    /// Answers a request; `attempt` counts earlier requests with the same URL (0 for the first).
    private let respond: @Sendable (_ request: HTTPRequest, _ attempt: Int) -> HTTPResponse

    init(respond: @escaping @Sendable (_ request: HTTPRequest, _ attempt: Int) -> HTTPResponse = { _, _ in
        HTTPResponse(status: 201)
    }) {
        self.respond = respond
    }

    var requests: [Recorded] { log.withLock { $0.requests } }
    var maxInFlight: Int { log.withLock { $0.maxInFlight } }

    func send(_ request: HTTPRequest, progress: @escaping @Sendable (Int64) -> Void) async throws -> HTTPResponse {
        let attempt = log.withLock { log in
            let attempt = log.requests.filter { $0.url == request.url }.count
            var headers: [String: String] = [:]
            for header in request.headers { headers[header.name.lowercased()] = header.value }
            log.requests.append(Recorded(method: request.method, url: request.url, headers: headers, body: request.body))
            log.inFlight += 1
            log.maxInFlight = max(log.maxInFlight, log.inFlight)
            return attempt
        }
        defer { log.withLock { $0.inFlight -= 1 } }
        progress(request.body.length / 2)
        try await Task.sleep(for: .milliseconds(2))
        progress(request.body.length)
        return respond(request, attempt)
    }
}
