// swift-tools-version:6.1
//
// libFuzzer targets for the parsers that face the internet or the internal network (issue 30): the
// RPC frame decoder, the edge's multipart reader and Range parser, Storage's content sniffer and
// display-name cleaner, and ImageOps' header checks through libvips. One executable, the target
// chosen by FUZZ_TARGET; built with `swift build --sanitize=fuzzer` by run.sh. A separate package so
// that the main build never links libFuzzer.
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which depends on where the repository was cloned.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let imageSwiss = repositoryRoot.lastPathComponent

let package = Package(
    name: "ImageSwissFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../.."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "ImageSwissFuzz",
            dependencies: [
                .product(name: "RPC", package: imageSwiss),
                .product(name: "Edge", package: imageSwiss),
                .product(name: "Storage", package: imageSwiss),
                .product(name: "Vips", package: imageSwiss),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)
