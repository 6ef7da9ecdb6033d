import Synchronization
@testable import UploadAgent

/// An in-memory S3 for the provider's unit tests: answers CreateMultipartUpload,
/// UploadPart, CompleteMultipartUpload, AbortMultipartUpload and PutObject, records every
/// request, and can fail or stall chosen parts.
final class FakeS3Transport: HTTPTransport, Sendable {
    struct Recorded: Sendable {
        var method: String
        var url: String
        var headers: [String: String]
        var body: HTTPRequest.Body
        var bodyText: String {
            if case .bytes(let bytes) = body { return String(decoding: bytes, as: UTF8.self) }
            return ""
        }
    }

    private struct State {
        var requests: [Recorded] = []
        var inFlight = 0
        var maxInFlight = 0
        var abortFailuresLeft = 0
        var aborted = false
    }

    private let state = Mutex(State())
    /// A part number whose UploadPart gets this reply instead of success.
    let failingPart: (number: Int, response: HTTPResponse)?
    /// Parts stall until the task is cancelled.
    let stallParts: Bool
    let partDelay: Duration
    let completeResponse: HTTPResponse?

    init(failingPart: (number: Int, response: HTTPResponse)? = nil, stallParts: Bool = false,
         partDelay: Duration = .milliseconds(5), completeResponse: HTTPResponse? = nil, abortFailures: Int = 0) {
        state.withLock { $0.abortFailuresLeft = abortFailures }
        self.failingPart = failingPart
        self.stallParts = stallParts
        self.partDelay = partDelay
        self.completeResponse = completeResponse
    }

    var requests: [Recorded] { state.withLock { $0.requests } }
    var maxInFlight: Int { state.withLock { $0.maxInFlight } }

    func send(_ request: HTTPRequest, progress: @escaping @Sendable (Int64) -> Void) async throws -> HTTPResponse {
        var headers: [String: String] = [:]
        for (name, value) in request.headers { headers[name.lowercased()] = value }
        state.withLock { $0.requests.append(Recorded(method: request.method, url: request.url, headers: headers, body: request.body)) }
        ChangeSignal.shared.tell()
        let query = request.url.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        switch request.method {
        case "POST" where query == "uploads":
            return HTTPResponse(status: 200, body: Array("<InitiateMultipartUploadResult><Bucket>b</Bucket><UploadId>upload-1</UploadId></InitiateMultipartUploadResult>".utf8))
        case "POST":
            return completeResponse ?? HTTPResponse(status: 200, body: Array("<CompleteMultipartUploadResult><ETag>\"x-3\"</ETag></CompleteMultipartUploadResult>".utf8))
        case "DELETE":
            let fail = state.withLock { state -> Bool in
                if state.abortFailuresLeft > 0 { state.abortFailuresLeft -= 1; return true }
                state.aborted = true
                return false
            }
            return fail ? HTTPResponse(status: 500) : HTTPResponse(status: 204)
        case "GET":  // ListParts after an abort
            return state.withLock { $0.aborted }
                ? HTTPResponse(status: 404, body: Array("<Error><Code>NoSuchUpload</Code></Error>".utf8))
                : HTTPResponse(status: 200, body: Array("<ListPartsResult></ListPartsResult>".utf8))
        case "PUT":
            let number = query.split(separator: "&").first { $0.hasPrefix("partNumber=") }.map { Int($0.dropFirst(11))! } ?? 1
            state.withLock { $0.inFlight += 1; $0.maxInFlight = max($0.maxInFlight, $0.inFlight) }
            defer { state.withLock { $0.inFlight -= 1 } }
            let length = request.body.length
            progress(length / 2)
            do {
                try await Task.sleep(for: stallParts ? .seconds(60) : partDelay)
            } catch {
                throw TransferError(.cancelled, "upload cancelled")
            }
            if let failingPart, failingPart.number == number { return failingPart.response }
            progress(length)
            return HTTPResponse(status: 200, headers: ["etag": "\"etag-\(number)\""])
        default:
            return HTTPResponse(status: 405)
        }
    }
}
