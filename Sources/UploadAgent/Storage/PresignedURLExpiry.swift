/// Reads when a pre-signed URL stops working, from the fields the common signers put in
/// the query: AWS (`X-Amz-Date` + `X-Amz-Expires`), Azure SAS (`se=`), and the
/// `Expires=` epoch of CloudFront and older GCS/S3 signatures. Sending gigabytes to a URL
/// that is long dead only burns the link, so uploads check this first; but the server,
/// not the gateway's clock, is the judge, so only a URL clearly past its expiry is refused
/// here (Azure has no clock-skew error for a SAS: its server simply judges `se`).
public enum PresignedURLExpiry {
    /// Seconds since the epoch at which the URL expires, or nil when it does not say.
    public static func expiry(of url: String) -> Double? {
        expiry(parameters: URLQuery.parameters(of: url))
    }

    public static func expiry(parameters: [String: String]) -> Double? {
        let lowered = Dictionary(parameters.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        if let date = lowered["x-amz-date"], let expires = lowered["x-amz-expires"].flatMap(Double.init),
           let start = parseAmzDate(date) {
            return start + expires
        }
        if let se = lowered["se"] {
            return RFC3339.parseISO8601(se)
        }
        if let expires = lowered["expires"], let epoch = Double(expires) {
            return epoch
        }
        return nil
    }

    /// How long past its expiry a URL is still sent while no server has told us its time:
    /// a gateway without a real-time clock, or before NTP, may run hours ahead, and the
    /// server that judges the signature knows the time; a URL it refuses costs one request.
    public static let unknownClockMargin: Double = 24 * 3600
    /// The same once the clock offset is learned (`ServerClockOffset`).
    public static let knownClockMargin: Double = 5 * 60

    /// Throws "upload URL expired at …" when the URL's expiry lies clearly before now
    /// (see `check(expiry:now:serverClock:)`).
    public static func check(_ url: String, now: Double,
                             serverClock: ServerClockOffset = ServerClockOffset()) throws(UploadFailure) {
        try check(expiry: expiry(of: url), now: now, serverClock: serverClock)
    }

    /// Refuses only a URL that expired more than a margin ago by the device clock corrected
    /// with what servers taught `serverClock`; anything closer is sent, and the server's
    /// answer decides. The failure counts as refused credentials: a resumed upload whose URL
    /// expired while the agent was down asks the backend for a new one, as after a 403.
    public static func check(expiry: Double?, now: Double,
                             serverClock: ServerClockOffset = ServerClockOffset()) throws(UploadFailure) {
        guard let expiry else { return }
        let margin = serverClock.isKnown ? knownClockMargin : unknownClockMargin
        let corrected = serverClock.serverTime(deviceTime: now)
        if expiry < corrected - margin {
            throw UploadFailure("upload URL expired at \(RFC3339.format(expiry)) (now \(RFC3339.format(corrected)); "
                                + "ask the backend for a new one)", credentialsRefused: true)
        }
    }

    /// `20130524T000000Z`, the compact ISO 8601 form SigV4 uses.
    static func parseAmzDate(_ text: String) -> Double? {
        let c = Array(text.utf8)
        guard c.count == 16, c[8] == UInt8(ascii: "T"), c[15] == UInt8(ascii: "Z") else { return nil }
        let s = String(decoding: c, as: UTF8.self)
        func part(_ from: Int, _ length: Int) -> Substring {
            s.dropFirst(from).prefix(length)
        }
        let iso = "\(part(0, 4))-\(part(4, 2))-\(part(6, 2))T\(part(9, 2)):\(part(11, 2)):\(part(13, 2))Z"
        return RFC3339.parse(iso)
    }
}
