import Foundation
import ImageSwissProtos
import Logging
import NIOConcurrencyHelpers
import RPC
import Testing

/// RPCIdentity: a server with a key believes only calls that prove they come from a service holding
/// it; a raw client that reaches the port and claims a caller is refused and logged.
@Suite("identity between services")
struct IdentityTests {
    static let key = "a shared key of at least thirty-two bytes, for tests"
    static let newKey = "the next key in a rotation, also thirty-two bytes long"

    @Test func signedCallsPassAndEveryForgeryIsRefusedAndLogged() async throws {
        let log = RecordedLog()
        let server = try await TestServer.start(
            configure: { $0.identity = try! RPCIdentity(service: "billing", keys: [Self.key]) },
            logger: Logger(label: "test-server", factory: { _ in log }))
        defer { Task { await server.server.shutdownGracefully() } }
        let callerA = RPCCallOptions(metadata: [RPCMetadata.callerID: "user-a"])

        // The edge, holding the key: its call passes and the server learns which service sent it.
        let edge = server.client { $0.identity = try! RPCIdentity(service: "edge", keys: [Self.key]) }
        let answer = try await edge.unary(TestMethods.caller, TestMethods.blob(""), options: callerA)
        #expect(String(decoding: answer.image, as: UTF8.self) == "user-a from edge")

        // A raw client with no key, claiming a caller.
        let raw = server.client()
        await #expect(throws: RPCError.self) {
            try await raw.unary(TestMethods.caller, TestMethods.blob(""), options: callerA)
        }
        let refused = try await Self.code(of: raw, callerA.metadata)
        #expect(refused == .unauthenticated)

        // A proof made for user-a, sent with user-b: the proof no longer matches.
        let identity = try RPCIdentity(service: "edge", keys: [Self.key])
        var swapped = identity.sign(callerA.metadata, method: TestMethods.caller.path)
        swapped[RPCMetadata.callerID] = "user-b"
        #expect(try await Self.code(of: raw, swapped) == .unauthenticated)
        // The same proof for another method.
        let otherMethod = identity.sign(callerA.metadata, method: TestMethods.echo.path)
        #expect(try await Self.code(of: raw, otherMethod) == .unauthenticated)
        // A proof from ten minutes ago (outside the five-minute skew).
        let stale = identity.sign(callerA.metadata, method: TestMethods.caller.path, now: RPCIdentity.now() - 600)
        #expect(try await Self.code(of: raw, stale) == .unauthenticated)
        // A key the server does not hold.
        let stranger = try RPCIdentity(service: "edge", keys: ["somebody else's key of thirty-two bytes"])
        #expect(
            try await Self.code(of: raw, stranger.sign(callerA.metadata, method: TestMethods.caller.path))
                == .unauthenticated)
        // The untouched proof passes when sent by hand, so the refusals above are the changes' doing.
        let good = identity.sign(callerA.metadata, method: TestMethods.caller.path)
        #expect(try await Self.code(of: raw, good) == .ok)

        // Health stays open to probes and balancers.
        let health = try await raw.unary(HealthMethods.check, HealthCheckRequest())
        #expect(health.status == .serving)

        // Every refusal was logged with the peer, the method and the claimed caller.
        let lines = log.lines.withLockedValue { $0 }.filter { $0.contains("refused a call without proof") }
        #expect(lines.count == 6, "\(lines)")
        #expect(lines.allSatisfy { $0.contains("Test/Caller") && $0.contains("peer") })
        #expect(lines.contains { $0.contains("claimed-caller=user-b") })
        await edge.close()
        await raw.close()
    }

    @Test func keysRotateWithoutARefusedCall() async throws {
        // Mid-rotation the server verifies both keys; clients sign with either.
        let server = try await TestServer.start(configure: {
            $0.identity = try! RPCIdentity(service: "jobs", keys: [Self.newKey, Self.key])
        })
        defer { Task { await server.server.shutdownGracefully() } }
        for keys in [[Self.key], [Self.newKey], [Self.newKey, Self.key]] {
            let client = server.client { $0.identity = try! RPCIdentity(service: "edge", keys: keys) }
            _ = try await client.unary(TestMethods.caller, TestMethods.blob(""))
            await client.close()
        }
        #expect(throws: RPCError.self) { try RPCIdentity(service: "edge", keys: ["too short"]) }
    }

    @Test func whileBeingTurnedOnUnsignedCallsPassButWrongProofsDoNot() async throws {
        let server = try await TestServer.start(configure: {
            $0.identity = try! RPCIdentity(service: "jobs", keys: [Self.key])
            $0.identityRequired = false
        })
        defer { Task { await server.server.shutdownGracefully() } }
        let previousRelease = server.client()
        let caller: RPCMetadata = [RPCMetadata.callerID: "user-a"]
        #expect(try await Self.code(of: previousRelease, caller) == .ok)
        var forged = try RPCIdentity(service: "edge", keys: [Self.key]).sign(caller, method: TestMethods.caller.path)
        forged[RPCMetadata.callerID] = "user-b"
        #expect(try await Self.code(of: previousRelease, forged) == .unauthenticated)
        await previousRelease.close()
    }

    /// The status code of one Caller call sent with exactly `metadata` (no signing by the client).
    static func code(of client: RPCClient, _ metadata: RPCMetadata) async throws -> RPCStatusCode {
        do {
            _ = try await client.unary(TestMethods.caller, TestMethods.blob(""), options: .init(metadata: metadata))
            return .ok
        } catch let error as RPCError {
            return error.code
        }
    }
}

/// Every log line a logger wrote, as "message key=value …".
final class RecordedLog: LogHandler, Sendable {
    let lines = NIOLockedValueBox<[String]>([])
    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
        function: String, line: UInt
    ) {
        let pairs = (metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        self.lines.withLockedValue { $0.append(([message.description] + pairs).joined(separator: " ")) }
    }
}
