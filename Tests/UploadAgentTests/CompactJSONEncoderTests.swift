#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import UploadAgent

/// The journal's encoder must write what Foundation's JSONEncoder writes (the same JSON
/// document, member order aside), so every record reads back with JSONDecoder.
@Suite struct CompactJSONEncoderTests {
    static let awkward = "quote \" backslash \\ newline \n tab \t bell \u{7} é 日本 🚀 /slash"

    static var entries: [JournalEntry] {
        var upload = UploadRecord(correlationId: "up \(awkward)", startTime: 1_700_000_000.25, fileCount: 3)
        upload.state = .uploading
        upload.endTime = 1_700_000_100
        upload.info = ["k": awkward, "empty": ""]
        upload.requestOptions = ["region": "eu-central-1"]
        upload.refused = [RefusedFile(path: "/var/log/link", reason: "leads outside the scope")]
        var file = FileRecord(correlationId: "up#1", parentId: "up", path: "/var/log/\(awkward)", size: 20 << 20,
                              identity: FileIdentity(device: UInt64.max, inode: 42, size: 20 << 20, modified: -5))
        file.state = .paused
        file.provider = "aws"
        file.transferred = 8 << 20
        file.deletePending = true
        file.serverProgress = .s3Multipart(S3MultipartState(uploadId: "u-1", bucket: "b", key: "k", fileSize: 20 << 20,
                                                            partSize: 8 << 20, completedParts: [1: "\"e1\"", 2: "\"e2\""]))
        var azure = file
        azure.serverProgress = .azureBlocks(AzureBlockListState(blobURL: "https://a.blob/c/b", fileSize: 10,
                                                                blockSize: 4, blockIDs: ["YQ==", "Yg=="]))
        var resumable = FileRecord(correlationId: "up#3", parentId: "up", path: "/x", size: 0)
        resumable.serverProgress = .resumableSession(confirmedBytes: 1 << 40)
        return [
            .header(version: 1),
            .window(nil),
            .window(PersistedWindow(window: ActivationWindow(from: 1.5, to: nil, period: 3600), lastRun: 7)),
            .upload(upload),
            .upload(UploadRecord(correlationId: "", startTime: 0, fileCount: 0)),
            .file(file), .file(azure), .file(resumable),
            .removeUpload(id: awkward),
            .lastReported(upload: upload, progress: 100),
        ]
    }

    @Test func writesTheDocumentFoundationWrites() throws {
        for entry in Self.entries {
            let compact = try CompactJSONEncoder.encode(entry)
            let foundation = Array(try JSONEncoder().encode(entry))
            #expect(JSONParser.parse(compact) != nil, "not JSON: \(String(decoding: compact, as: UTF8.self))")
            #expect(JSONParser.parse(compact) == JSONParser.parse(foundation), "\(String(decoding: compact, as: UTF8.self))")
        }
    }

    @Test func recordsReadBackAsTheyWere() throws {
        for entry in Self.entries {
            let decoded = try JSONDecoder().decode(JournalEntry.self, from: Data(try CompactJSONEncoder.encode(entry)))
            // Dictionaries may list their members in another order: compare documents.
            #expect(JSONParser.parse(try CompactJSONEncoder.encode(decoded)) == JSONParser.parse(try CompactJSONEncoder.encode(entry)))
        }
        let credential = CredentialEntry.set(file: "up#1", options: ["https.url": "https://h/p?sig=\(Self.awkward)"])
        let decoded = try JSONDecoder().decode(CredentialEntry.self, from: Data(try CompactJSONEncoder.encode(credential)))
        guard case .set(let file, let options) = decoded else { Issue.record("decoded \(decoded)"); return }
        #expect(file == "up#1" && options["https.url"] == "https://h/p?sig=\(Self.awkward)")
    }

    struct Shapes: Encodable {
        struct Empty: Encodable {}
        /// Asks for its container twice, as an `encode(to:)` may.
        struct Twice: Encodable {
            enum CodingKeys: String, CodingKey { case a, b }
            func encode(to encoder: any Encoder) throws {
                var first = encoder.container(keyedBy: CodingKeys.self)
                try first.encode(1, forKey: .a)
                var second = encoder.container(keyedBy: CodingKeys.self)
                try second.encode(2, forKey: .b)
            }
        }
        var empty = Empty()
        var twice = Twice()
        var nested: [[Int?]] = [[1, nil], [], [3]]
        var objects: [[String: Bool]] = [["t": true], ["f": false]]
        var numbers: [Double] = [0, -0.5, 1e300, 123_456_789.125]
        var small: [Int8] = [-128, 127]
        var large: [UInt64] = [UInt64.max]
        var optional: String? = nil
    }

    @Test func arbitraryShapesMatchFoundation() throws {
        let compact = try CompactJSONEncoder.encode(Shapes())
        #expect(JSONParser.parse(compact) == JSONParser.parse(Array(try JSONEncoder().encode(Shapes()))),
                "\(String(decoding: compact, as: UTF8.self))")
        #expect(String(decoding: compact, as: UTF8.self).hasPrefix(#"{"empty":{},"twice":{"a":1,"b":2},"nested":[[1,null],[],[3]]"#))
    }

    @Test func refusesWhatJSONCannotHold() {
        #expect(throws: EncodingError.self) { try CompactJSONEncoder.encode([Double.nan]) }
        #expect(throws: EncodingError.self) { try CompactJSONEncoder.encode(["x": Double.infinity]) }
    }
}
