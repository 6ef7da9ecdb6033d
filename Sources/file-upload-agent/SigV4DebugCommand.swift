import UploadAgent
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `file-upload-agent sigv4-debug < request.json`: signs one described request with the
/// agent's SigV4 signer and prints every intermediate as JSON. Hidden (not in the usage
/// text): it exists so the integration tests can compare our signer with botocore's on the
/// same inputs. It sends nothing.
enum SigV4DebugCommand {
    struct Input: Decodable {
        var method: String
        var url: String
        var headers: [[String]]
        var payloadHash: String
        var accessKeyId: String
        var secretAccessKey: String
        var sessionToken: String?
        var region: String
        var service: String?
        var time: Double
    }

    struct Output: Encodable {
        var canonicalRequest: String
        var stringToSign: String
        var signature: String
        var authorization: String
        var headers: [[String]]
    }

    static func run() -> Int32 {
        var bytes = [UInt8]()
        while let line = readLine(strippingNewline: false) { bytes += Array(line.utf8) }
        guard let input = try? JSONDecoder().decode(Input.self, from: Data(bytes)) else {
            printError("error: sigv4-debug reads a JSON request description on stdin")
            return 2
        }
        let time = input.time
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey,
                                        sessionToken: input.sessionToken),
            region: input.region, service: input.service ?? "s3", now: { time })
        var request = HTTPRequest(method: input.method, url: input.url,
                                  headers: input.headers.compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil })
        let signature = signer.signature(for: &request, payloadHash: input.payloadHash)
        request.setHeader("Authorization", signature.authorization)
        let output = Output(canonicalRequest: signature.canonicalRequest, stringToSign: signature.stringToSign,
                            signature: signature.signature, authorization: signature.authorization,
                            headers: request.headers.map { [$0.name, $0.value] })
        guard let json = try? JSONEncoder().encode(output) else { return 1 }
        print(String(decoding: json, as: UTF8.self))
        return 0
    }
}
