import Testing
@testable import UploadAgent

@Suite struct TLSVersionRefusalTests {
    @Test(arguments: [
        "OpenSSL/3.0.19: error:0A00042E:SSL routines::tlsv1 alert protocol version",
        "OpenSSL/3.0.19: error:0A000102:SSL routines::unsupported protocol",
        "error:0A00010B:SSL routines::wrong version number",
        "error:0A0000BF:SSL routines::no protocols available",
    ])
    func versionRefusalsArePermanent(detail: String) {
        #expect(TLSVersionRefusal.matches(detail))
    }

    @Test(arguments: [
        "OpenSSL SSL_connect: Connection reset by peer in connection to 127.0.0.1:443",
        "OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to example.com:443",
        "",
    ])
    func otherConnectFailuresStayRetryable(detail: String) {
        #expect(!TLSVersionRefusal.matches(detail))
    }
}
