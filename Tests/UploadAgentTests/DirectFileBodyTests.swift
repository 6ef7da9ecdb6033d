import Testing
@testable import UploadAgent

@Suite struct DirectFileBodyTests {
    private func request(_ url: String = "http://gw.local/up", length: Int64 = 8 << 20,
                         headers: [(name: String, value: String)] = [], cap: Int64? = nil) -> HTTPRequest {
        HTTPRequest(method: "PUT", url: url, headers: headers, body: .file(path: "/var/log/a", offset: 0, length: length),
                    maxSendBytesPerSecond: cap)
    }

    private let noProxy: (String) -> String? = { _ in nil }

    /// sendfile only where the bytes go to the socket as they are on disk, and the engine
    /// alone frames the body.
    @Test func aLargePlainHTTPFileBodyIsSentDirectly() {
        #expect(DirectFileBody.applies(to: request()) && DirectFileBody.connectsDirectly(proxy: nil, environment: noProxy))
        #expect(DirectFileBody.applies(to: request("HTTP://gw.local/up")))
    }

    @Test func everythingElseKeepsLibcurlsBuffer() {
        #expect(!DirectFileBody.applies(to: request("https://bucket.s3.amazonaws.com/k")))
        #expect(!DirectFileBody.applies(to: request(length: DirectFileBody.minimumLength - 1)))
        #expect(!DirectFileBody.connectsDirectly(proxy: "http://proxy:3128", environment: noProxy))
        #expect(!DirectFileBody.connectsDirectly(proxy: nil, environment: { $0 == "http_proxy" ? "https://proxy:443" : nil }))
        #expect(!DirectFileBody.applies(to: request(cap: 100_000)))
        #expect(!DirectFileBody.applies(to: request(headers: [("Content-Length", "8388608")])))
        let bytes = HTTPRequest(method: "PUT", url: "http://gw.local/up", body: .bytes([UInt8](repeating: 1, count: 2 << 20)))
        #expect(!DirectFileBody.applies(to: bytes))
    }
}
