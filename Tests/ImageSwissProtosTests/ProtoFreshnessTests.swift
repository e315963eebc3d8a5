import Crypto
import Foundation
import Testing

/// The committed generated code must come from the committed .proto files: Protos/generate.sh
/// records each source's SHA-256 beside the Swift it generated.
@Suite("generated code is fresh")
struct ProtoFreshnessTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func everyProtoMatchesTheChecksumRecordedAtGeneration() throws {
        let record = try String(
            contentsOf: Self.root.appendingPathComponent("Libraries/Protos/Generated/PROTO_SOURCES.sha256"),
            encoding: .utf8)
        var recorded: [String: String] = [:]
        for line in record.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2 else { continue }
            recorded[String(parts[1])] = String(parts[0])
        }
        let protos = try FileManager.default.subpathsOfDirectory(
            atPath: Self.root.appendingPathComponent("Protos").path
        )
        .filter { $0.hasSuffix(".proto") }.map { "Protos/" + $0 }.sorted()
        #expect(!protos.isEmpty)
        #expect(Set(protos) == Set(recorded.keys), "a .proto was added or removed without running Protos/generate.sh")
        for proto in protos {
            let data = try Data(contentsOf: Self.root.appendingPathComponent(proto))
            let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
            #expect(recorded[proto] == digest, "\(proto) changed since the code was generated: run Protos/generate.sh")
        }
    }

    @Test func everyProtoHasItsGeneratedSwiftFile() throws {
        let generated = Set(
            try FileManager.default.contentsOfDirectory(
                atPath: Self.root.appendingPathComponent("Libraries/Protos/Generated").path)
                + FileManager.default.contentsOfDirectory(
                    atPath: Self.root.appendingPathComponent("Libraries/RPC/Generated").path))
        let protos = try FileManager.default.subpathsOfDirectory(
            atPath: Self.root.appendingPathComponent("Protos").path
        ).filter { $0.hasSuffix(".proto") }
        for proto in protos {
            let expected = proto.replacingOccurrences(of: "/", with: "_").replacingOccurrences(
                of: ".proto", with: ".pb.swift")
            #expect(generated.contains(expected), "missing \(expected)")
        }
    }
}
