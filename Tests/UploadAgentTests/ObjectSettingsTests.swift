import Testing
@testable import UploadAgent

@Suite struct ObjectSettingsTests {
    @Test func autoNamesTheTypeByExtensionAndBinaryKeepsTheProvidersOwn() {
        #expect(ContentTypeMode.auto.type(for: "gateway.log", binary: "b") == "text/plain; charset=utf-8")
        #expect(ContentTypeMode.auto.type(for: "gateway.log.3", binary: "b") == "text/plain; charset=utf-8")
        #expect(ContentTypeMode.auto.type(for: "DUMP.TAR.GZ", binary: "b") == "application/gzip")
        #expect(ContentTypeMode.auto.type(for: "trace.json", binary: "b") == "application/json")
        #expect(ContentTypeMode.auto.type(for: "core.12345", binary: "b") == "b")
        #expect(ContentTypeMode.auto.type(for: "Makefile", binary: "b") == "b")
        #expect(ContentTypeMode.auto.type(for: ".log", binary: "b") == "text/plain; charset=utf-8")
        #expect(ContentTypeMode.binary.type(for: "gateway.log", binary: "application/x-binary") == "application/x-binary")
    }

    @Test func metadataIsSortedAndSentUnderTheHeaderPrefix() throws {
        let metadata = try ObjectMetadata(options: ["aws.metadata.zone": "z", "aws.metadata.Team": "edge", "aws.region": "r"],
                                          prefix: "aws.metadata.")
        #expect(metadata.headers("x-amz-meta-").map { "\($0.name)=\($0.value)" } == ["x-amz-meta-Team=edge", "x-amz-meta-zone=z"])
    }

    @Test func metadataThatCouldBreakAHeaderIsRefused() {
        for (name, value) in [("a b", "x"), ("", "x"), ("ok", "line\nbreak"), ("ok", "nul\u{0}"), ("ok", "größe")] {
            #expect(throws: InvalidStartOptions.self) {
                try ObjectMetadata(options: ["azure.metadata.\(name)": value], prefix: "azure.metadata.")
            }
        }
        #expect(throws: InvalidStartOptions.self) {
            try ObjectMetadata(options: ["m.a": "1", "m.A": "2"], prefix: "m.")
        }
        #expect(throws: InvalidStartOptions.self) {
            try ObjectMetadata(options: ["m.9lives": "1"], prefix: "m.", identifiersOnly: true)
        }
        #expect((try? ObjectMetadata(options: ["m._line_9": "1"], prefix: "m.", identifiersOnly: true)) != nil)
    }

    @Test func s3SettingsBecomeHeadersInAFixedOrder() throws {
        let settings = try S3ObjectSettings(["aws.storage.class": "glacier_ir", "aws.server.side.encryption": "AWS:KMS",
                                             "aws.sse.kms.key.id": "k1", "aws.tagging": "a=1&b=", "aws.metadata.x": "y"])
        #expect(settings.headers.map(\.name) == ["x-amz-meta-x", "x-amz-storage-class", "x-amz-server-side-encryption",
                                                 "x-amz-server-side-encryption-aws-kms-key-id", "x-amz-tagging"])
        #expect(settings.storageClass == "GLACIER_IR" && settings.serverSideEncryption == "aws:kms")
        #expect(try S3ObjectSettings([:]).headers.isEmpty)
    }

    @Test func s3SettingsOutsideTheirListsAreRefusedWithTheList() {
        do {
            _ = try S3ObjectSettings(["aws.storage.class": "FAST"])
            Issue.record("accepted")
        } catch {
            #expect(error.message.hasPrefix("'aws.storage.class' must be one of STANDARD, REDUCED_REDUNDANCY"))
        }
        #expect(throws: InvalidStartOptions.self) { try S3ObjectSettings(["aws.sse.kms.key.id": "k"]) }
        #expect(throws: InvalidStartOptions.self) { try S3ObjectSettings(["aws.tagging": "a b=1"]) }
        #expect(throws: InvalidStartOptions.self) { try S3ObjectSettings(["aws.tagging": "a=1&&b=2"]) }
    }

    @Test func azureTierIsOneOfAzuresNames() throws {
        #expect(try AzureBlobSettings(["azure.access.tier": "archive"]).headers.map(\.value) == ["Archive"])
        #expect(throws: InvalidStartOptions.self) { try AzureBlobSettings(["azure.access.tier": "Warm"]) }
    }
}
