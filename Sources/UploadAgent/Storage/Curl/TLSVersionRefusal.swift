/// Recognises a TLS handshake that failed because the two sides share no protocol version
/// (a server that offers only TLS 1.1 or lower, or something that is not TLS at all on an
/// https port). That cannot heal by itself, so retrying it for minutes with backoff only
/// delays the failure report; other TLS connect errors (a reset mid-handshake) stay
/// retryable. libcurl gives one code for all of them, so OpenSSL's reason text decides.
enum TLSVersionRefusal {
    static let reasons = ["alert protocol version", "unsupported protocol", "wrong version number",
                          "no protocols available"]

    /// True when libcurl's error text for a failed TLS connect names a version refusal.
    static func matches(_ detail: String) -> Bool {
        let lowered = detail.lowercased()
        return reasons.contains { lowered.contains($0) }
    }

    static let explanation = "the server offers no TLS version the agent accepts (TLS 1.2 or newer)"
}
