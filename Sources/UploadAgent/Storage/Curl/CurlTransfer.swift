import CCurl
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One request in flight: the easy handle and everything its callbacks touch. Callbacks
/// run on the engine thread only; `cancel()` may come from any thread and only flips an
/// atomic flag that the callbacks and the engine loop look at.
final class CurlTransfer: @unchecked Sendable {
    static let maxResponseBody = 64 * 1024

    let request: HTTPRequest
    let progress: @Sendable (Int64) -> Void
    private(set) var continuation: CheckedContinuation<HTTPResponse, any Error>?
    let cancelled = Atomic<Bool>(false)
    /// The shared rate cap, when one is set; touched on the engine thread only.
    var budget: BandwidthBudget?
    /// Notices when no byte moved for `stallTimeout`; engine thread only.
    var stallDetector: StallDetector?
    /// Set when the engine gave the transfer up as stalled: seconds nothing moved.
    private(set) var stalledFor: Double?

    var easy: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?
    /// libcurl writes its error text here for as long as the handle lives, so it is
    /// memory we own, not a Swift array that could move.
    let errorBuffer: UnsafeMutablePointer<CChar> = {
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        buffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        return buffer
    }()

    // Body source state.
    private var fileDescriptor: Int32 = -1
    private var fileOffset: Int64 = 0
    private var remaining: Int64 = 0
    private var bytesOffset = 0
    private(set) var readFailure: String?

    /// The body goes from the file to the socket by sendfile(2), never through user space
    /// (a plain-HTTP body of a file; `DirectFileBody` says when). libcurl sends the head
    /// and reads the answer; when it asks for body bytes its own buffer is empty, so the
    /// file's bytes follow everything it wrote, in order.
    var sendsFileDirectly = false
    /// Body bytes sent by sendfile (libcurl's upload counter does not see them).
    private(set) var sentDirectly: Int64 = 0
    /// Paused because the socket's send buffer is full: the engine resumes the transfer
    /// when the socket can take more (POLLOUT).
    var waitingForSocket = false
    /// Why sending stopped early (the peer closed, reset): the body ends there, and what
    /// the server answered, if anything, decides the outcome.
    private(set) var sendFailure: String?

    // Response state.
    private(set) var responseHeaders: [String: String] = [:]
    private(set) var responseBody: [UInt8] = []
    /// Set when the response body went beyond `maxResponseBody` and was not read further.
    private(set) var responseCut = false
    private var lastReported: Int64 = -1

    init(request: HTTPRequest, progress: @escaping @Sendable (Int64) -> Void,
         continuation: CheckedContinuation<HTTPResponse, any Error>) {
        self.request = request
        self.progress = progress
        self.continuation = continuation
    }

    deinit {
        if fileDescriptor >= 0 { close(fileDescriptor) }
        if let headerList { curl_slist_free_all(headerList) }
        if let easy { curl_easy_cleanup(easy) }
        errorBuffer.deallocate()
    }

    func cancel() { cancelled.store(true, ordering: .relaxed) }
    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    /// Opens the body's file; a missing or unreadable file fails before any byte is sent.
    func openBody() throws(TransferError) {
        switch request.body {
        case .none, .bytes:
            remaining = request.body.length
        case .file(let path, let offset, let length):
            fileDescriptor = OpenedFile.openForReading(path)
            guard fileDescriptor >= 0 else {
                throw TransferError(.fatal, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            posix_fadvise(fileDescriptor, off_t(offset), off_t(length), POSIX_FADV_SEQUENTIAL)
            fileOffset = offset
            remaining = length
        }
    }

    /// libcurl asks for the next piece of the body: read it straight from the file into
    /// libcurl's buffer, so no copy of the file is ever held.
    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        if isCancelled { return Int(CURL_READFUNC_ABORT) }
        // Only on the connection opened for it (its socket known); else libcurl's buffer.
        if sendsFileDirectly && openedSocket >= 0 { return sendFromFile() }
        var wanted = Int(min(Int64(capacity), remaining))
        guard wanted > 0 else { return 0 }
        // libcurl wants more, so the last piece left; a pause for the cap is ours, not a stall.
        stallDetector?.recordActivity(now: monotonicSeconds())
        if let budget {
            wanted = budget.allowance(wanted)
            if wanted == 0 {
                budget.pause(self)
                return Int(CURL_READFUNC_PAUSE)
            }
        }
        let got = readBody(into: buffer, wanted: wanted)
        if got > 0 && got <= wanted { budget?.spend(got) }
        return got
    }

    private func readBody(into buffer: UnsafeMutablePointer<CChar>, wanted: Int) -> Int {
        switch request.body {
        case .none:
            return 0
        case .bytes(let bytes):
            bytes.withUnsafeBufferPointer { source in
                UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + bytesOffset, byteCount: wanted)
            }
            bytesOffset += wanted
            remaining -= Int64(wanted)
            return wanted
        case .file(let path, _, _):
            while true {
                let got = pread(fileDescriptor, buffer, wanted, off_t(fileOffset))
                if got < 0 && errno == EINTR { continue }
                if got <= 0 {
                    readFailure = got == 0 ? Self.shrank(path) : "cannot read \(path): \(String(cString: strerror(errno)))"
                    return Int(CURL_READFUNC_ABORT)
                }
                fileOffset += Int64(got)
                remaining -= Int64(got)
                return got
            }
        }
    }

    /// Sends as much of the body as the socket takes (and the link's cap allows) straight
    /// from the file, then pauses until the socket can take more; 0 (the end) when all is
    /// sent or the peer stopped taking it.
    private func sendFromFile() -> Int {
        guard remaining > 0, sendFailure == nil else { return 0 }
        stallDetector?.recordActivity(now: monotonicSeconds())
        var allowed = remaining
        if let budget {
            allowed = Int64(budget.allowance(Int(min(remaining, Int64(Int32.max)))))
            if allowed == 0 {
                budget.pause(self)
                return Int(CURL_READFUNC_PAUSE)
            }
        }
        let socket = openedSocket
        var sentNow: Int64 = 0
        while sentNow < allowed {
            var offset = off_t(fileOffset)
            let sent = sendfile(socket, fileDescriptor, &offset, Int(min(allowed - sentNow, Self.directChunk)))
            if sent < 0 && errno == EINTR { continue }
            if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { break }
            if sent < 0 {
                sendFailure = String(cString: strerror(errno))
                break
            }
            if sent == 0 {
                if case .file(let path, _, _) = request.body { readFailure = Self.shrank(path) }
                return Int(CURL_READFUNC_ABORT)
            }
            fileOffset += Int64(sent)
            remaining -= Int64(sent)
            sentDirectly += Int64(sent)
            sentNow += Int64(sent)
        }
        if sentNow > 0 {
            budget?.spend(Int(sentNow))
            if !reportProgress(uploaded: sentDirectly, downloaded: 0) { return Int(CURL_READFUNC_ABORT) }
        }
        if remaining == 0 || sendFailure != nil { return 0 }
        if sentNow == allowed {
            // Bytes are left, so the cap's allowance ran out, not the socket's room.
            budget?.pause(self)
            return Int(CURL_READFUNC_PAUSE)
        }
        waitingForSocket = true
        return Int(CURL_READFUNC_PAUSE)
    }

    static func shrank(_ path: String) -> String { "\(path) became shorter while it was uploaded" }

    /// At most this much per sendfile call.
    static let directChunk: Int64 = 1 << 30

    /// The socket of this transfer's connection (-1 when libcurl has none yet or reused one).
    var currentSocket: Int32 {
        openedSocket >= 0 ? openedSocket : easy.map { ccurl_active_socket($0) } ?? -1
    }

    /// One header line as libcurl hands it over (with its CRLF).
    func receiveHeader(_ line: UnsafeBufferPointer<UInt8>) {
        stallDetector?.recordActivity(now: monotonicSeconds())
        if line.starts(with: "HTTP/".utf8) {
            // A new response (after 100 Continue or a redirect): forget the earlier headers.
            responseHeaders = [:]
            if request.body != .none && !Self.isInterim(statusLine: line) {
                noteDeliveryAtAnswer(sharedConnection: !line.starts(with: "HTTP/1.".utf8))
            }
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        let isSpace = { (byte: UInt8) in byte == 32 || byte == 9 || byte == 13 || byte == 10 }
        var start = colon + 1
        var end = line.count
        while start < end, isSpace(line[start]) { start += 1 }
        while end > start, isSpace(line[end - 1]) { end -= 1 }
        let name = String(decoding: line[..<colon].lazy.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
        responseHeaders[name] = String(decoding: UnsafeBufferPointer(rebasing: line[start..<end]), as: UTF8.self)
    }

    /// Keeps up to `maxResponseBody` bytes of what the server sends back (an error document
    /// or an XML answer fits); returns false beyond it, and the engine drops the connection:
    /// on a metered link a server's 10 GiB answer must not be paid for.
    func receiveBody(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let room = Self.maxResponseBody - responseBody.count
        responseBody.append(contentsOf: bytes.prefix(max(room, 0)))
        if bytes.count > room { responseCut = true }
        return !responseCut
    }

    /// What the connection's TCP counters proved when the final answer arrived. The server's
    /// ACK rides on its answer's own segment, so a byte unacknowledged then never reached it
    /// before it answered. Nil before an answer or where the counters are not available.
    private(set) var deliveryAtAnswer: (acknowledged: Int64, unacknowledged: Int64)?
    /// Body bytes not yet handed to libcurl when the final answer arrived.
    private(set) var unreadAtAnswer: Int64 = 0

    /// The socket of a connection libcurl opened for this transfer; -1 on a reused one.
    var openedSocket: Int32 = -1

    /// `sharedConnection`: the answer came over HTTP/2 or later, whose connection carries
    /// other requests' streams too; its TCP counters then prove nothing about this body
    /// (the other streams' bytes in flight once failed 2xx answers for whole files).
    private func noteDeliveryAtAnswer(sharedConnection: Bool) {
        unreadAtAnswer = remaining
        var acknowledged: Int64 = 0, unacknowledged: Int64 = 0
        guard !sharedConnection, openedSocket >= 0,
              ccurl_tcp_delivery(openedSocket, &acknowledged, &unacknowledged) == 0 else { return }
        deliveryAtAnswer = (acknowledged, unacknowledged)
    }

    /// Body bytes the server provably did not have when it answered: not yet read from the
    /// file or still unacknowledged then, or short of head + body on a connection opened for
    /// this request (whose acknowledged bytes are all this request's). TLS records and a
    /// proxy's CONNECT only add to the acknowledged count, so a server that got it all is
    /// never blamed. On a reused or shared (HTTP/2) connection only the unread part is known.
    func bodyBytesMissingAtAnswer(requestHeadSize: Int64, sentBody: Int64) -> Int64 {
        guard let delivery = deliveryAtAnswer else { return max(0, min(unreadAtAnswer, sentBody)) }
        let missing = max(unreadAtAnswer + delivery.unacknowledged, requestHeadSize + sentBody - delivery.acknowledged)
        return max(0, min(missing, sentBody))
    }

    /// `HTTP/1.1 1xx`: an interim answer, after which the body goes on.
    static func isInterim(statusLine line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let space = line.firstIndex(of: UInt8(ascii: " ")), space + 1 < line.count else { return false }
        return line[space + 1] == UInt8(ascii: "1")
    }

    /// Reports the body bytes the server has, not the ones copied into the kernel: what
    /// libcurl wrote less what the socket still holds unacknowledged (SIOCOUTQ), so a
    /// server reading slowly is not shown as having the send buffer's worth. Only ever
    /// forward. Returns false to abort the transfer.
    func reportProgress(uploaded: Int64, downloaded: Int64) -> Bool {
        if isCancelled { return false }
        stallDetector?.observe(bytesMoved: uploaded + downloaded, now: monotonicSeconds())
        let delivered = max(0, uploaded - unacknowledgedInSocket())
        if delivered > lastReported {
            lastReported = delivered
            progress(delivered)
        }
        return true
    }

    /// Bytes of this connection's socket not yet acknowledged by the peer; 0 when unknown.
    private func unacknowledgedInSocket() -> Int64 {
        max(0, ccurl_socket_unacknowledged(currentSocket))
    }

    /// True (once) when nothing moved for the stall timeout; the engine then ends the transfer.
    func checkStalled(now: Double) -> Bool {
        guard stalledFor == nil, let idle = stallDetector?.stalledFor(now: now) else { return false }
        stalledFor = idle
        return true
    }

    func finish(_ result: Result<HTTPResponse, TransferError>) {
        guard let continuation else { return }
        self.continuation = nil
        continuation.resume(with: result.mapError { $0 as any Error })
    }

    func response(status: Int) -> HTTPResponse {
        HTTPResponse(status: status, headers: responseHeaders, body: responseBody)
    }
}
