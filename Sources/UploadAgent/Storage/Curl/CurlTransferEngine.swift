import CCurl
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Every HTTP transfer of the agent runs here: one libcurl multi handle driven by one
/// dedicated thread (`curl_multi_poll`). A hundred uploads cost one thread, the blocking
/// work never touches Swift's cooperative pool, and connections are reused across
/// requests to the same host.
public final class CurlTransferEngine: HTTPTransport, @unchecked Sendable {
    private let settings: TransferSettings
    private let multi: UnsafeMutableRawPointer
    /// Transfers handed over by callers, picked up by the engine thread.
    private let incoming = Mutex<[CurlTransfer]>([])
    private let running = Atomic<Bool>(true)
    private var thread: DedicatedThread?
    /// Owned by the engine thread: transfers inside the multi handle, by easy handle.
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    /// The shared rate cap and data budget (`maxBandwidth`, `dataBudget`), engine thread only.
    private let budget: BandwidthBudget?
    /// No proxy between the agent and the servers: plain-HTTP file bodies may go by sendfile.
    private let connectsDirectly: Bool
    /// Watchdog heartbeats waiting for the engine thread's next turn of its loop.
    private let heartbeats = Mutex<[CheckedContinuation<Void, Never>]>([])

    public init(settings: TransferSettings = TransferSettings()) {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        // The engine writes file bodies to sockets itself (sendfile has no MSG_NOSIGNAL):
        // a peer that closed must be an EPIPE for that transfer, not the end of the agent.
        signal(SIGPIPE, SIG_IGN)
        self.settings = settings
        budget = settings.link.flatMap { $0.isUnlimited ? nil : BandwidthBudget(link: $0) }
        connectsDirectly = DirectFileBody.connectsDirectly(proxy: settings.proxy)
        multi = curl_multi_init()
        // No per-host limit: parts are already bounded by maxConcurrentUploads × parts in
        // flight, and a transfer queued inside libcurl would look stalled to our detector.
        ccurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 0)
        thread = DedicatedThread(name: "curl engine") { [self] in runLoop() }
    }

    /// Stops the engine thread; transfers still running fail as cancelled.
    public func shutdown() {
        // Flipped under the `incoming` lock: a `send` that sees the engine running may
        // still wake the multi handle, one that comes later fails at once.
        let wasRunning = incoming.withLock { _ in
            let was = running.exchange(false, ordering: .relaxed)
            if was { curl_multi_wakeup(multi) }
            return was
        }
        guard wasRunning else { return }
        thread?.join()
    }

    public func send(_ request: HTTPRequest,
                     progress: @escaping @Sendable (Int64) -> Void) async throws -> HTTPResponse {
        let box = Mutex<CurlTransfer?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let transfer = CurlTransfer(request: request, progress: progress, continuation: continuation)
                box.withLock { $0 = transfer }
                if Task.isCancelled { transfer.cancel() }
                let accepted = incoming.withLock { list in
                    guard running.load(ordering: .relaxed) else { return false }
                    list.append(transfer)
                    curl_multi_wakeup(multi)
                    return true
                }
                if !accepted { transfer.finish(.failure(TransferError(.cancelled, "the agent is stopping"))) }
            }
        } onCancel: {
            box.withLock { $0?.cancel() }
            incoming.withLock { _ in
                if running.load(ordering: .relaxed) { curl_multi_wakeup(multi) }
            }
        }
    }

    /// Returns once the engine thread has gone round its loop: proof for the watchdog
    /// that the thread is not stuck. Returns at once when the engine has stopped.
    public func heartbeat() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let queued = incoming.withLock { _ in
                guard running.load(ordering: .relaxed) else { return false }
                heartbeats.withLock { $0.append(continuation) }
                curl_multi_wakeup(multi)
                return true
            }
            if !queued { continuation.resume() }
        }
    }

    /// Answers the heartbeats that arrived since the last turn (engine thread only).
    private func answerHeartbeats() {
        let waiting = heartbeats.withLock { list in defer { list = [] }; return list }
        guard !waiting.isEmpty else { return }
        DebugHooks.wedgeIfAsked("wedge-engine")
        for continuation in waiting { continuation.resume() }
    }

    // MARK: - Engine thread

    private func runLoop() {
        var stillRunning: Int32 = 0
        while running.load(ordering: .relaxed) {
            answerHeartbeats()
            for transfer in incoming.withLock({ list in defer { list = [] }; return list }) {
                start(transfer)
            }
            for (easy, transfer) in active where transfer.isCancelled {
                complete(easy, transfer, code: CURLE_ABORTED_BY_CALLBACK)
            }
            let now = monotonicSeconds()
            for (easy, transfer) in active where transfer.checkStalled(now: now) {
                complete(easy, transfer, code: CURLE_OPERATION_TIMEDOUT)
            }
            if let budget {
                for transfer in budget.takeResumable() where transfer.easy != nil && !transfer.isCancelled {
                    curl_easy_pause(transfer.easy, CURLPAUSE_CONT)
                }
            }
            curl_multi_perform(multi, &stillRunning)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                      let transfer = active[easy] else { continue }
                complete(easy, transfer, code: message.pointee.data.result)
            }
            let waitMilliseconds: Int32 = active.isEmpty ? 60_000
                : (budget.flatMap { $0.paused.isEmpty ? nil : $0.millisecondsUntilTokens() } ?? 250)
            pollWaitingForSockets(waitMilliseconds)
        }
        for (easy, transfer) in active {
            transfer.cancel()  // reported as cancelled, not as a failure
            complete(easy, transfer, code: CURLE_ABORTED_BY_CALLBACK)
        }
        for transfer in incoming.withLock({ list in defer { list = [] }; return list }) {
            transfer.finish(.failure(TransferError(.cancelled, "the agent is stopping")))
        }
        for continuation in heartbeats.withLock({ list in defer { list = [] }; return list }) { continuation.resume() }
        curl_multi_cleanup(multi)
    }

    /// Waits for libcurl's sockets, and for the sockets of the transfers that send their
    /// file themselves and paused on a full send buffer; those are resumed once writable.
    private func pollWaitingForSockets(_ waitMilliseconds: Int32) {
        let waiting = active.values.filter { $0.waitingForSocket && !$0.isCancelled }
        guard !waiting.isEmpty else {
            curl_multi_poll(multi, nil, 0, waitMilliseconds, nil)
            return
        }
        var fds = waiting.map { curl_waitfd(fd: $0.openedSocket, events: Int16(CURL_WAIT_POLLOUT), revents: 0) }
        curl_multi_poll(multi, &fds, UInt32(fds.count), waitMilliseconds, nil)
        for (transfer, fd) in zip(waiting, fds) where fd.revents != 0 {
            transfer.waitingForSocket = false
            if let easy = transfer.easy { curl_easy_pause(easy, CURLPAUSE_CONT) }
        }
    }

    private func start(_ transfer: CurlTransfer) {
        if transfer.isCancelled {
            transfer.finish(.failure(TransferError(.cancelled, "upload cancelled")))
            return
        }
        do throws(TransferError) {
            try transfer.openBody()
            guard let easy = curl_easy_init() else { throw TransferError(.fatal, "libcurl could not create a handle") }
            transfer.easy = easy
            transfer.budget = budget
            transfer.stallDetector = StallDetector(limit: settings.stallTimeout,
                                                    connectAllowance: settings.connectTimeout, now: monotonicSeconds())
            try configure(easy, for: transfer)
            active[easy] = transfer
            curl_multi_add_handle(multi, easy)
        } catch {
            transfer.finish(.failure(error))
        }
    }

    private func complete(_ easy: UnsafeMutableRawPointer, _ transfer: CurlTransfer, code: CURLcode) {
        curl_multi_remove_handle(multi, easy)
        active[easy] = nil
        budget?.forget(transfer)
        if code == CURLE_OK || (code == CURLE_WRITE_ERROR && transfer.responseCut) {
            var status = 0
            ccurl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            var uploaded: curl_off_t = 0
            ccurl_getinfo_off(easy, CURLINFO_SIZE_UPLOAD_T, &uploaded)
            uploaded += curl_off_t(transfer.sentDirectly)
            let length = transfer.request.body.length
            var headSize = 0
            ccurl_getinfo_long(easy, CURLINFO_REQUEST_SIZE, &headSize)
            let sent = min(Int64(uploaded), length)
            let delivered = sent - transfer.bodyBytesMissingAtAnswer(requestHeadSize: Int64(headSize), sentBody: sent)
            if (200..<300).contains(status) && delivered < length {
                // A success for bytes the server never got is no success: retried as a network failure.
                transfer.finish(.failure(TransferError(.network,
                    "the server answered HTTP \(status) after \(delivered) of \(length) bytes of the body (\(RedactedURL.describe(transfer.request.url)))")))
                return
            }
            transfer.finish(.success(transfer.response(status: status)))
        } else {
            var error = Self.error(for: code, transfer)
            let length = transfer.request.body.length
            if error.kind == .network, length > 0, code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR || code == CURLE_GOT_NOTHING {
                // Where the connection broke: a server that closes after part of the body
                // (having answered or not) shows here.
                var uploaded: curl_off_t = 0
                ccurl_getinfo_off(easy, CURLINFO_SIZE_UPLOAD_T, &uploaded)
                uploaded += curl_off_t(transfer.sentDirectly)
                error = TransferError(.network, "\(error.message), after \(min(Int64(uploaded), length)) of \(length) bytes of the body were sent")
            }
            transfer.finish(.failure(error))
        }
    }

    private func configure(_ easy: UnsafeMutableRawPointer, for transfer: CurlTransfer) throws(TransferError) {
        let request = transfer.request
        let scheme = request.url.prefix(while: { $0 != ":" }).lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw TransferError(.fatal, "only http and https URLs may be used, not '\(scheme):' (\(RedactedURL.describe(request.url)))")
        }
        var failed: CURLcode = CURLE_OK
        func check(_ code: CURLcode) { if code != CURLE_OK && failed == CURLE_OK { failed = code } }

        check(ccurl_setopt_string(easy, CURLOPT_URL, request.url))
        check(ccurl_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"))
        check(ccurl_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        check(ccurl_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0))
        check(ccurl_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        check(ccurl_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1))
        // 256 KiB reads instead of libcurl's 64 KiB: a quarter of the system calls per
        // gigabyte, for 192 KiB more per running transfer. Under a tight per-upload cap a
        // buffer takes at most ~8 s to drain, so the stall detector never mistakes the
        // rate limiter's wait for a dead link. A smaller body gets a buffer its size (at
        // least libcurl's minimum of 16 KiB): a 256 KiB block is mapped and unmapped by
        // malloc for every request, which for a small file cost more than its bytes.
        let (preferred, smallest) = (256 * 1024, 16 * 1024)
        let largest = request.maxSendBytesPerSecond.map { min(preferred, max(smallest, Int($0) * 8)) } ?? preferred
        let bufferSize = min(largest, max(smallest, Int(clamping: request.body.length)))
        check(ccurl_setopt_long(easy, CURLOPT_UPLOAD_BUFFERSIZE, bufferSize))
        check(ccurl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Int(settings.connectTimeout * 1000)))
        check(ccurl_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1))
        check(ccurl_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2))
        check(ccurl_setopt_long(easy, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2))
        if let ca = settings.extraCAFile {
            // With OpenSSL, CAINFO and CAPATH are both searched: the extra CA joins the system store.
            check(ccurl_setopt_string(easy, CURLOPT_CAINFO, ca))
            check(ccurl_setopt_string(easy, CURLOPT_CAPATH, settings.systemCAPath))
        }
        if let cert = settings.clientCertificate { check(ccurl_setopt_string(easy, CURLOPT_SSLCERT, cert)) }
        if let key = settings.clientKey { check(ccurl_setopt_string(easy, CURLOPT_SSLKEY, key)) }
        if let proxy = settings.proxy { check(ccurl_setopt_string(easy, CURLOPT_PROXY, proxy)) }
        if let limit = request.maxSendBytesPerSecond, limit > 0 {
            check(ccurl_setopt_off(easy, CURLOPT_MAX_SEND_SPEED_LARGE, curl_off_t(limit)))
        }
        check(ccurl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, transfer.errorBuffer))

        let method = request.method.uppercased()
        let hasBody = request.body != .none || method == "PUT" || method == "POST"
        transfer.sendsFileDirectly = connectsDirectly && DirectFileBody.applies(to: request)
        if hasBody {
            check(ccurl_setopt_long(easy, CURLOPT_UPLOAD, 1))
            // A body sent by sendfile has a size libcurl does not count: it is told none
            // (and sends no chunked framing); the head carries the length.
            if transfer.sendsFileDirectly {
                // A connection of its own: its socket is known (SOCKOPTFUNCTION), and its
                // TCP counters count this body only.
                check(ccurl_setopt_long(easy, CURLOPT_FRESH_CONNECT, 1))
                check(ccurl_setopt_long(easy, CURLOPT_FORBID_REUSE, 1))
            } else {
                check(ccurl_setopt_off(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(request.body.length)))
            }
            if method != "PUT" { check(ccurl_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method)) }
        } else if method == "HEAD" {
            check(ccurl_setopt_long(easy, CURLOPT_NOBODY, 1))
        } else if method != "GET" {
            check(ccurl_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method))
        }

        // The last line of defence: whatever built the request, no header can add another.
        for (name, value) in request.headers {
            if let problem = HTTPHeaderField.problem(name: name, value: value) {
                throw TransferError(.fatal, "refusing to send the request: \(problem) (\(RedactedURL.describe(request.url)))")
            }
        }
        // "Expect:" off: it costs a round trip and some servers never answer it.
        var list: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "Expect:")
        if hasBody && request.header("Content-Type") == nil {
            list = curl_slist_append(list, "Content-Type: application/octet-stream")
        }
        if transfer.sendsFileDirectly {
            list = curl_slist_append(list, "Content-Length: \(request.body.length)")
            list = curl_slist_append(list, "Transfer-Encoding:")
        }
        for (name, value) in request.headers {
            list = curl_slist_append(list, value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        transfer.headerList = list
        check(ccurl_setopt_pointer(easy, CURLOPT_HTTPHEADER, list))

        let context = Unmanaged.passUnretained(transfer).toOpaque()
        check(ccurl_setopt_pointer(easy, CURLOPT_READDATA, context))
        check(ccurl_setopt_data_callback(easy, CURLOPT_READFUNCTION) { buffer, size, count, context in
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
            return transfer.read(into: buffer!, capacity: size * count)
        })
        check(ccurl_setopt_pointer(easy, CURLOPT_HEADERDATA, context))
        check(ccurl_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION) { buffer, size, count, context in
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
            transfer.receiveHeader(UnsafeBufferPointer(start: UnsafeRawPointer(buffer)?.assumingMemoryBound(to: UInt8.self),
                                                       count: size * count))
            return size * count
        })
        check(ccurl_setopt_pointer(easy, CURLOPT_WRITEDATA, context))
        check(ccurl_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION) { buffer, size, count, context in
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
            let raw = UnsafeRawPointer(buffer!).assumingMemoryBound(to: UInt8.self)
            return transfer.receiveBody(UnsafeBufferPointer(start: raw, count: size * count)) ? size * count : 0
        })
        check(ccurl_setopt_pointer(easy, CURLOPT_SOCKOPTDATA, context))
        check(ccurl_setopt_sockopt_callback(easy) { context, socket, _ in
            Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue().openedSocket = socket
            return Int32(CURL_SOCKOPT_OK)
        })
        check(ccurl_setopt_long(easy, CURLOPT_NOPROGRESS, 0))
        check(ccurl_setopt_pointer(easy, CURLOPT_XFERINFODATA, context))
        check(ccurl_setopt_xferinfo_callback(easy) { context, _, downloaded, _, uploaded in
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
            return transfer.reportProgress(uploaded: Int64(uploaded) + transfer.sentDirectly, downloaded: Int64(downloaded)) ? 0 : 1
        })
        if failed != CURLE_OK {
            throw TransferError(.fatal, "libcurl rejected an option: \(String(cString: curl_easy_strerror(failed)))")
        }
    }

    /// Maps a libcurl failure to what the retry layer and a person need to know.
    private static func error(for code: CURLcode, _ transfer: CurlTransfer) -> TransferError {
        if transfer.isCancelled { return TransferError(.cancelled, "upload cancelled") }
        if let readFailure = transfer.readFailure { return TransferError(.fatal, readFailure) }
        if let idle = transfer.stalledFor {
            let seconds = (idle * 10).rounded() / 10
            return TransferError(.timeout, "stalled: no data moved for \(seconds)s (stallTimeout) (\(RedactedURL.describe(transfer.request.url)))")
        }
        let detail = String(cString: transfer.errorBuffer)
        var text = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        if let sendFailure = transfer.sendFailure { text += " (sending the body: \(sendFailure))" }
        let message = "\(text) (\(RedactedURL.describe(transfer.request.url)))"
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return TransferError(.timeout, message)
        case CURLE_SSL_CONNECT_ERROR where TLSVersionRefusal.matches(text):
            return TransferError(.fatal, "\(text): \(TLSVersionRefusal.explanation) (\(RedactedURL.describe(transfer.request.url)))")
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_PEER_FAILED_VERIFICATION,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM, CURLE_READ_ERROR, CURLE_ABORTED_BY_CALLBACK:
            return TransferError(.fatal, message)
        default:
            return TransferError(.network, message)
        }
    }
}
