import Foundation
import RPC
import TestSupport
import Testing

@Suite("drain, restart and reconnect")
struct DrainAndReconnectTests {
    @Test func drainLetsCallsInFlightFinishAndThenCloses() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let slow = Task { try await client.unary(TestMethods.sleep, TestMethods.blob("500")) }
        try await waitUntil { server.probe.started.withLockedValue { $0 } == 1 }
        let drained = Task { await server.server.shutdownGracefully() }
        // The call that was running when GOAWAY went out completes normally.
        #expect(try await slow.value.image == Data("500".utf8))
        await drained.value
        // Nothing listens any more: a new call waits for a server until its deadline, then fails.
        let error = await #expect(throws: RPCError.self) {
            try await client.unary(
                TestMethods.echo, TestMethods.blob("late"), options: .init(timeout: .milliseconds(300)))
        }
        #expect(error?.code == .unavailable)
        await client.close()
    }

    @Test func rollingRestartFailsNoCall() async throws {
        // Calls keep flowing while the server drains and a new one takes over the same port.
        let first = try await TestServer.start(port: try freePort())
        let port = first.port
        let client = first.client()
        let failures = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var failed = 0
                    for i in 0..<60 {
                        do {
                            if i.isMultiple(of: 2) {
                                _ = try await client.unary(
                                    TestMethods.echo, TestMethods.blob("\(worker)-\(i)"),
                                    options: .init(timeout: .seconds(5)))
                            } else {
                                var received = 0
                                for try await _ in try await client.serverStreaming(
                                    TestMethods.count, TestMethods.blob("3"), options: .init(timeout: .seconds(5)))
                                { received += 1 }
                                if received != 3 { failed += 1 }
                            }
                        } catch {
                            failed += 1
                        }
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    return failed
                }
            }
            try await Task.sleep(for: .milliseconds(150))
            await first.server.shutdownGracefully()
            let second = try await TestServer.start(port: port)
            var failed = 0
            for try await count in group { failed += count }
            await second.server.shutdownGracefully()
            return failed
        }
        #expect(failures == 0)
        await client.close()
    }

    @Test func aCallRefusedByGoAwayIsOpenedAgainOnAnotherEndpoint() async throws {
        // The first endpoint answers every call with GOAWAY (last call 0: it never ran), as a server does
        // whose drain crossed the call on the wire. Unary and streaming calls alike, idempotent or not,
        // go to the other endpoint instead of failing.
        let refusing = try await GoAwayServer.start()
        let server = try await TestServer.start()
        let client = RPCClient(endpoints: [
            .init(host: "127.0.0.1", port: refusing.port), .init(host: "127.0.0.1", port: server.port),
        ])
        for round in 0..<6 {
            #expect(
                try await client.unary(TestMethods.echo, TestMethods.blob("\(round)")).image == Data("\(round)".utf8))
            var received: [String] = []
            for try await message in try await client.serverStreaming(TestMethods.count, TestMethods.blob("3")) {
                received.append(String(decoding: message.image, as: UTF8.self))
            }
            #expect(received == ["0", "1", "2"])
        }
        #expect(refusing.refusedCalls.withLockedValue { $0 } >= 6)
        await client.close()
        await server.server.shutdownGracefully()
        try await refusing.channel.close()
    }

    @Test func clientReconnectsAfterTheServerCrashesAndComesBack() async throws {
        let first = try await TestServer.start(port: try freePort())
        let client = first.client()
        #expect(try await client.unary(TestMethods.echo, TestMethods.blob("1")).image == Data("1".utf8))
        await first.server.abort()
        let restarted = Task {
            try await Task.sleep(for: .milliseconds(300))
            return try await TestServer.start(port: first.port)
        }
        // An idempotent call made right after the crash may hit the dead connection before the client
        // noticed (UNAVAILABLE, may have run: see inFlightCallFailsUnavailableWhenTheServerCrashes);
        // it is retried, waits for the server to come back within its deadline, and succeeds.
        #expect(
            try await client.unary(TestMethods.flaky, TestMethods.blob("2"), options: .init(timeout: .seconds(5))).image
                == Data("2".utf8))
        await client.close()
        await try restarted.value.server.shutdownGracefully()
    }

    @Test func inFlightCallFailsUnavailableWhenTheServerCrashes() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let call = Task { try await client.unary(TestMethods.sleep, TestMethods.blob("5000")) }
        try await waitUntil { server.probe.started.withLockedValue { $0 } == 1 }
        await server.server.abort()
        let error = await #expect(throws: RPCError.self) { try await call.value }
        #expect(error?.code == .unavailable)
        await client.close()
    }
}
