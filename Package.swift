// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "file-upload-agent",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "file-upload-agent", targets: ["file-upload-agent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // libmosquitto, found through pkg-config (Debian: libmosquitto-dev).
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto",
                       providers: [.apt(["libmosquitto-dev"])]),
        // OpenSSL's libcrypto: MD5, SHA-256 and HMAC; already loaded through libcurl.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        // libarchive's declarations: the tar.gz and zip archives of `upload.archive`, the gzip of
        // `upload.compress`. Not linked: the agent loads it when it first writes one (LibArchive).
        .systemLibrary(name: "CArchive", providers: [.apt(["libarchive-dev"])]),
        // glibc's <malloc.h> (mallopt): the daemon returns large freed buffers to the kernel.
        .systemLibrary(name: "CMalloc"),
        // libcurl plus non-variadic wrappers for curl_easy_setopt/getinfo, which Swift cannot call.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),
        .target(
            name: "UploadAgent",
            dependencies: [
                "CMosquitto", "CCurl", "COpenSSL", "CArchive",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "file-upload-agent",
            dependencies: [
                "UploadAgent", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // The backend of the many-small-files benchmark (scripts/bench); not installed.
        .executableTarget(
            name: "bench-backend",
            dependencies: ["UploadAgent"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "UploadAgentTests",
            dependencies: ["UploadAgent", "CArchive", .product(name: "Logging", package: "swift-log")],
            swiftSettings: [.swiftLanguageMode(.v6)],
            // The tests read the archives back with libarchive's reader.
            linkerSettings: [.linkedLibrary("archive")]
        ),
    ]
)

// libFuzzer targets (scripts/fuzz, `make fuzz`): one executable that runs the target named by
// FUZZ_TARGET. Declared only when FILE_UPLOAD_AGENT_FUZZ=1, so `swift build` and `swift test`
// neither see nor build them. Built in debug, where `@testable import` reaches the internal
// parsers without making them public.
if Context.environment["FILE_UPLOAD_AGENT_FUZZ"] == "1" {
    package.products.append(.executable(name: "upload-agent-fuzz", targets: ["UploadAgentFuzz"]))
    package.targets.append(.executableTarget(
        name: "UploadAgentFuzz",
        dependencies: ["UploadAgent"],
        path: "Tests/fuzz/Targets",
        swiftSettings: [.swiftLanguageMode(.v6), .unsafeFlags(["-parse-as-library"])]
    ))
}
