// swift-tools-version:6.1
//
// RPC benchmark: the ImageSwiss protocol against grpc-swift 2 (HTTP/2), same work, same process, same
// run. A separate package so that grpc-swift never enters the main package's dependency graph.
// Run: Benchmarks/RPC/run.sh
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name, which depends on where the repository was cloned.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let imageSwiss = repositoryRoot.lastPathComponent

let package = Package(
    name: "RPCBenchmark",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../.."),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        .executableTarget(
            name: "RPCBenchmark",
            dependencies: [
                .product(name: "RPC", package: imageSwiss),
                .product(name: "Telemetry", package: imageSwiss),
                .product(name: "ImageSwissProtos", package: imageSwiss),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // The bare Hummingbird peer of the edge benchmark (Benchmarks/Auth/run.sh).
        .executableTarget(
            name: "BareHTTPPeer",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // Drives imageswiss-billing over RPC (hold + capture pairs) for Benchmarks/Billing/run.sh.
        .executableTarget(
            name: "BillingBenchmarkClient",
            dependencies: [
                .product(name: "RPC", package: imageSwiss),
                .product(name: "ImageSwissProtos", package: imageSwiss),
                .product(name: "ServiceRuntime", package: imageSwiss),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // Drives imageswiss-jobs over RPC (no-op and resize jobs) for Benchmarks/Jobs/run.sh.
        .executableTarget(
            name: "JobsBenchmarkClient",
            dependencies: [
                .product(name: "RPC", package: imageSwiss),
                .product(name: "ImageSwissProtos", package: imageSwiss),
                .product(name: "ServiceRuntime", package: imageSwiss),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // The direct peer of a transformation link's first request (Benchmarks/Transform/run.sh).
        .executableTarget(
            name: "TransformPeerClient",
            dependencies: [
                .product(name: "RPC", package: imageSwiss),
                .product(name: "ImageSwissProtos", package: imageSwiss),
                .product(name: "ServiceRuntime", package: imageSwiss),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // Drives imageswiss-imageops over RPC for Benchmarks/ImageOps/run.sh.
        .executableTarget(
            name: "ImageOpsBenchmarkClient",
            dependencies: [
                .product(name: "RPC", package: imageSwiss),
                .product(name: "ImageSwissProtos", package: imageSwiss),
                .product(name: "ServiceRuntime", package: imageSwiss),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
