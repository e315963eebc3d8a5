import Foundation
import Testing

/// compose/stack.env (the local runner), compose/docker-compose.yml and the defaults in code agree.
@Suite("stack configuration")
struct StackConfigurationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let defaults = [
        "edge": 7100, "auth": 7101, "billing": 7102, "jobs": 7103, "imageops": 7104, "storage": 7105,
    ]

    func environment() throws -> [String: String] {
        let text = try String(contentsOf: Self.root.appendingPathComponent("compose/stack.env"), encoding: .utf8)
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        return values
    }

    @Test func stackEnvironmentMatchesTheCodeDefaults() throws {
        let env = try environment()
        for (service, port) in Self.defaults {
            #expect(env["\(service.uppercased())_RPC_PORT"] == "\(port)", "\(service) RPC port")
            #expect(env["\(service.uppercased())_METRICS_PORT"] == "\(port + 2000)", "\(service) metrics port")
            if service != "edge" {
                #expect(env["\(service.uppercased())_RPC_ADDRESSES"] == "127.0.0.1:\(port)")
            }
        }
    }

    @Test func dockerComposeProbesAndAddressesUseTheSamePorts() throws {
        let compose = try String(
            contentsOf: Self.root.appendingPathComponent("compose/docker-compose.yml"), encoding: .utf8)
        for (service, port) in Self.defaults {
            #expect(compose.contains("\"imageswiss-probe\", \"127.0.0.1:\(port)\""), "\(service) health check port")
            if service != "edge" {
                #expect(
                    compose.contains("\(service.uppercased())_RPC_ADDRESSES: \(service):\(port)"), "\(service) address")
            }
        }
        #expect(compose.contains("env_file: stack.env"))
    }
}
