/// `tcp://host:1883` or `ssl://host:8883` split into what libmosquitto wants.
public struct BrokerAddress: Sendable, Equatable {
    public var host: String
    public var port: Int32
    public var usesTLS: Bool

    public init(parsing url: String) throws(ConfigError) {
        guard let separator = url.firstRange(of: "://") else {
            throw ConfigError("broker", "'\(url)' is not a broker URL such as tcp://localhost:1883")
        }
        let scheme = url[..<separator.lowerBound].lowercased()
        var rest = String(url[separator.upperBound...])
        if let slash = rest.firstIndex(of: "/") { rest = String(rest[..<slash]) }
        switch scheme {
        case "tcp", "mqtt": usesTLS = false
        case "ssl", "tls", "mqtts": usesTLS = true
        default: throw ConfigError("broker", "unsupported scheme '\(scheme)' (use tcp:// or ssl://)")
        }
        port = usesTLS ? 8883 : 1883
        if rest.hasPrefix("[") , let close = rest.firstIndex(of: "]") {
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let tail = rest[rest.index(after: close)...]
            if tail.hasPrefix(":") { port = try Self.port(String(tail.dropFirst()), url) }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            port = try Self.port(String(rest[rest.index(after: colon)...]), url)
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw ConfigError("broker", "'\(url)' names no host") }
    }

    private static func port(_ text: String, _ url: String) throws(ConfigError) -> Int32 {
        guard let port = Int32(text), (1...65535).contains(port) else {
            throw ConfigError("broker", "'\(url)' has an invalid port '\(text)'")
        }
        return port
    }
}
