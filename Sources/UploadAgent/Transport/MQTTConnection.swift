import CMosquitto
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The agent's link to the local broker over libmosquitto. One thread runs the network
/// loop and does its own reconnecting (with backoff capped at `maxReconnectDelay`):
/// libmosquitto's own loop gives up on some abrupt TLS disconnects, and we must come back
/// from every one. On each (re)connect it subscribes again and reports `.connected`, so
/// the feature registers again (Kanto loses its subscriptions after a broker restart).
public final class MQTTConnection: MessagePublisher, @unchecked Sendable {
    private let options: MQTTOptions
    private let subscriptions: [String]
    private let onEvent: @Sendable (MQTTEvent) -> Void
    private let handle: OpaquePointer
    private let running = Atomic<Bool>(true)
    private let connected = Atomic<Bool>(false)
    private let state = Mutex<(lastError: String?, reconnects: Int, detail: String?)>((nil, 0, nil))
    private var thread: DedicatedThread?
    /// Set by the connect callback when the broker said no; network thread only.
    private var refused = false

    public init(options: MQTTOptions, subscriptions: [String],
                onEvent: @escaping @Sendable (MQTTEvent) -> Void) throws(MQTTError) {
        mosquitto_lib_init()
        guard let handle = mosquitto_new(options.clientId, true, nil) else {
            throw MQTTError("cannot create an MQTT client: \(String(cString: strerror(errno)))")
        }
        self.handle = handle
        self.options = options
        self.subscriptions = subscriptions
        self.onEvent = onEvent
        try check(mosquitto_threaded_set(handle, true), "threaded mode")
        mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, Int32(MQTT_PROTOCOL_V311))
        // Responses and status updates are small and latency-bound: Nagle would hold each
        // one back ~40 ms waiting for the broker's ACK of the previous one.
        mosquitto_int_option(handle, MOSQ_OPT_TCP_NODELAY, 1)
        if !options.username.isEmpty {
            try check(mosquitto_username_pw_set(handle, options.username,
                                                options.password.isEmpty ? nil : options.password), "username")
        }
        if options.address.usesTLS {
            let caFile = options.caCert.isEmpty ? nil : options.caCert
            try check(mosquitto_tls_set(handle, caFile, caFile == nil ? "/etc/ssl/certs" : nil,
                                        options.cert.isEmpty ? nil : options.cert,
                                        options.key.isEmpty ? nil : options.key, nil), "TLS settings")
        }
        mosquitto_user_data_set(handle, Unmanaged.passUnretained(self).toOpaque())
        mosquitto_connect_callback_set(handle) { _, context, code in
            MQTTConnection.from(context).didConnect(code: code)
        }
        mosquitto_disconnect_callback_set(handle) { _, context, code in
            MQTTConnection.from(context).connected.store(false, ordering: .relaxed)
        }
        mosquitto_publish_callback_set(handle) { _, context, messageId in
            MQTTConnection.from(context).onEvent(.acknowledged(messageId: messageId))
        }
        mosquitto_subscribe_callback_set(handle) { _, context, _, count, granted in
            // 0x80 in SUBACK: the broker's ACL refused the topic; the agent would be
            // connected yet deaf, so say so where an operator looks.
            guard let granted, (0..<Int(count)).contains(where: { granted[$0] == 0x80 }) else { return }
            MQTTConnection.from(context).subscriptionRefused()
        }
        mosquitto_log_callback_set(handle) { _, context, level, text in
            // libmosquitto's own error lines carry the detail (OpenSSL's reason for a TLS
            // failure) that its return codes lack.
            guard level == MOSQ_LOG_ERR, let text else { return }
            let line = String(cString: text)
            MQTTConnection.from(context).state.withLock { $0.detail = line }
        }
        mosquitto_message_callback_set(handle) { _, context, message in
            guard let message, let topicPointer = message.pointee.topic else { return }
            let topic = String(cString: topicPointer)
            let length = Int(message.pointee.payloadlen)
            let payload = length > 0 && message.pointee.payload != nil
                ? Array(UnsafeRawBufferPointer(start: message.pointee.payload, count: length)) : []
            MQTTConnection.from(context).onEvent(.message(topic: topic, payload: payload))
        }
    }

    deinit { mosquitto_destroy(handle) }

    private static func from(_ context: UnsafeMutableRawPointer?) -> MQTTConnection {
        Unmanaged<MQTTConnection>.fromOpaque(context!).takeUnretainedValue()
    }

    private func check(_ code: Int32, _ what: String) throws(MQTTError) {
        guard code == MOSQ_ERR_SUCCESS.rawValue else {
            throw MQTTError("MQTT \(what): \(String(cString: mosquitto_strerror(code)))")
        }
    }

    /// Starts the network thread; it connects and keeps reconnecting until `stop()`.
    public func start() {
        thread = DedicatedThread(name: "mqtt") { [self] in runLoop() }
    }

    /// Disconnects cleanly (after the queued messages went out) and ends the thread.
    public func stop() {
        guard running.exchange(false, ordering: .relaxed) else { return }
        mosquitto_disconnect(handle)
        thread?.join()
    }

    public var isConnected: Bool { connected.load(ordering: .relaxed) }
    public var lastError: String? { state.withLock { $0.lastError } }
    public var reconnects: Int { state.withLock { $0.reconnects } }

    public func publish(topic: String, payload: [UInt8]) -> Int32? {
        guard isConnected else { return nil }
        var messageId: Int32 = 0
        let code = payload.withUnsafeBytes { bytes in
            mosquitto_publish(handle, &messageId, topic, Int32(bytes.count), bytes.baseAddress, 1, false)
        }
        return code == MOSQ_ERR_SUCCESS.rawValue ? messageId : nil
    }

    // MARK: - Network thread

    private func didConnect(code: Int32) {
        guard code == 0 else {
            let reason = "broker refused the connection: \(String(cString: mosquitto_connack_string(code)))"
            state.withLock { $0.lastError = reason }
            refused = true
            onEvent(.connectFailed(reason: reason))
            return
        }
        for topic in subscriptions {
            let code = mosquitto_subscribe(handle, nil, topic, 1)
            if code != MOSQ_ERR_SUCCESS.rawValue {
                let reason = "cannot subscribe to \(topic): \(String(cString: mosquitto_strerror(code)))"
                state.withLock { $0.lastError = reason }
                onEvent(.connectFailed(reason: reason))
            }
        }
        connected.store(true, ordering: .relaxed)
        state.withLock { $0.lastError = nil }
        onEvent(.connected)
    }

    private func subscriptionRefused() {
        let reason = "the broker refused the subscription to \(subscriptions.joined(separator: ", ")): commands cannot arrive (check the broker's ACL)"
        state.withLock { $0.lastError = reason }
        onEvent(.connectFailed(reason: reason))
    }

    /// A failure text with libmosquitto's own last error line, when it logged one.
    private func withDetail(_ text: String) -> String {
        guard let detail = state.withLock({ state in defer { state.detail = nil }; return state.detail }) else { return text }
        return "\(text) (\(detail))"
    }

    private func runLoop() {
        var delay = 1.0
        var everConnected = false
        var socketOpen = false
        var reportedConnected = false
        while running.load(ordering: .relaxed) {
            if !socketOpen {
                let code = everConnected
                    ? mosquitto_reconnect(handle)
                    : mosquitto_connect(handle, options.address.host, options.address.port, options.keepAlive)
                if code == MOSQ_ERR_SUCCESS.rawValue {
                    socketOpen = true
                    everConnected = true
                } else {
                    let reason = code == MOSQ_ERR_ERRNO.rawValue ? String(cString: strerror(errno))
                                                                 : String(cString: mosquitto_strerror(code))
                    let message = withDetail("cannot connect to \(options.address.host):\(options.address.port): \(reason)")
                    state.withLock { $0.lastError = message }
                    onEvent(.connectFailed(reason: message))
                    pause(delay)
                    delay = min(options.maxReconnectDelay, delay * 2)
                    continue
                }
            }
            let code = mosquitto_loop(handle, 500, 1)
            if code != MOSQ_ERR_SUCCESS.rawValue {
                guard running.load(ordering: .relaxed) else { break }
                // The disconnect callback may already have cleared `connected`; the event
                // is owed whenever a `.connected` was reported since the last one.
                connected.store(false, ordering: .relaxed)
                let wasConnected = reportedConnected
                reportedConnected = false
                let reason = code == MOSQ_ERR_ERRNO.rawValue ? String(cString: strerror(errno))
                                                             : String(cString: mosquitto_strerror(code))
                // Keep a refusal as the last error: it says more than the closed socket after it.
                let keepRefusal = refused
                refused = false
                state.withLock {
                    if !keepRefusal { $0.lastError = "connection lost: \(reason)" + ($0.detail.map { " (\($0))" } ?? "") }
                    $0.detail = nil
                    $0.reconnects += 1
                }
                if wasConnected {
                    delay = 1
                    onEvent(.disconnected(reason: reason))
                }
                socketOpen = false
                pause(delay)
                delay = min(options.maxReconnectDelay, delay * 2)
            } else if connected.load(ordering: .relaxed) {
                delay = 1
                reportedConnected = true
            }
        }
        // Let the DISCONNECT packet go out.
        for _ in 0..<5 where mosquitto_loop(handle, 50, 1) == MOSQ_ERR_SUCCESS.rawValue {}
        connected.store(false, ordering: .relaxed)
    }

    /// Sleeps in short steps so `stop()` is never kept waiting by a backoff.
    private func pause(_ seconds: Double) {
        var left = seconds
        while left > 0 && running.load(ordering: .relaxed) {
            usleep(UInt32(min(left, 0.1) * 1_000_000))
            left -= 0.1
        }
    }
}
