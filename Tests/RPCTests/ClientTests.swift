import Foundation
import NIOCore
import RPC
import Testing

@Suite("client: endpoints and retries")
struct ClientTests {
    @Test func callsAreSpreadRoundRobinOverEndpoints() async throws {
        let a = try await TestServer.start()
        let b = try await TestServer.start()
        let client = RPCClient(endpoints: [
            .init(host: "127.0.0.1", port: a.port), .init(host: "127.0.0.1", port: b.port),
        ])
        for _ in 0..<100 { _ = try await client.unary(TestMethods.echo, TestMethods.blob("x")) }
        #expect(a.probe.calls.withLockedValue { $0 } == 50)
        #expect(b.probe.calls.withLockedValue { $0 } == 50)
        // With one endpoint down, every call goes to the other.
        await a.server.shutdownGracefully()
        for _ in 0..<20 { _ = try await client.unary(TestMethods.echo, TestMethods.blob("x")) }
        #expect(b.probe.calls.withLockedValue { $0 } == 70)
        await client.close()
        await b.server.shutdownGracefully()
    }

    @Test func idempotentCallsAreRetriedOnUnavailable() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        server.probe.failuresLeft.withLockedValue { $0 = 2 }
        #expect(try await client.unary(TestMethods.flaky, TestMethods.blob("ok")).image == Data("ok".utf8))
        #expect(server.probe.calls.withLockedValue { $0 } == 3)
        // Beyond maxAttempts (3) the error surfaces.
        server.probe.failuresLeft.withLockedValue { $0 = 5 }
        let error = await #expect(throws: RPCError.self) {
            try await client.unary(TestMethods.flaky, TestMethods.blob("ok"))
        }
        #expect(error?.code == .unavailable)
        await client.close()
        await server.server.shutdownGracefully()
    }

    @Test func nonIdempotentCallsAreNotRetried() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        server.probe.failuresLeft.withLockedValue { $0 = 1 }
        let error = await #expect(throws: RPCError.self) {
            try await client.unary(TestMethods.flakyUnsafe, TestMethods.blob("ok"))
        }
        #expect(error?.code == .unavailable)
        #expect(server.probe.calls.withLockedValue { $0 } == 1)
        await client.close()
        await server.server.shutdownGracefully()
    }

    @Test func endpointListsParse() throws {
        #expect(try RPCEndpoint.list("a:1, b:2") == [.init(host: "a", port: 1), .init(host: "b", port: 2)])
        #expect(throws: RPCError.self) { try RPCEndpoint.list("nohost") }
        #expect(throws: RPCError.self) { try RPCEndpoint.list("a:99999") }
        #expect(throws: RPCError.self) { try RPCEndpoint.list("") }
    }
}
