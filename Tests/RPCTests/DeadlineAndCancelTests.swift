import Foundation
import RPC
import Testing

@Suite("deadlines and cancellation")
struct DeadlineAndCancelTests {
    @Test func deadlineIsCarriedToTheServerWhichCancelsTheHandler() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: RPCError.self) {
            try await client.unary(
                TestMethods.sleep, TestMethods.blob("10000"), options: .init(timeout: .milliseconds(200)))
        }
        #expect(error?.code == .deadlineExceeded)
        #expect(clock.now - start < .seconds(5))
        try await waitUntil { server.probe.cancelled.withLockedValue { $0 } == 1 }
        await client.close()
        await server.server.shutdownGracefully()
    }

    @Test func serverEnforcesTheDeadlineItReceivedEvenIfTheClientWaits() async throws {
        let server = try await TestServer.start()
        let raw = try await RawConnection(port: server.port)
        try await raw.send(
            try helloBytes()
                + callBytes(
                    1, method: TestMethods.sleep.path, timeoutMicros: 100_000, request: TestMethods.blob("10000")))
        #expect(try await raw.status(of: 1).code == RPCStatusCode.deadlineExceeded.rawValue)
        try await waitUntil { server.probe.cancelled.withLockedValue { $0 } == 1 }
        await raw.close()
        await server.server.shutdownGracefully()
    }

    @Test func cancellingTheCallingTaskCancelsTheCallOnTheServer() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let task = Task { try await client.unary(TestMethods.sleep, TestMethods.blob("10000")) }
        try await waitUntil { server.probe.started.withLockedValue { $0 } == 1 }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        try await waitUntil { server.probe.cancelled.withLockedValue { $0 } == 1 }
        // The connection is still good.
        #expect(try await client.unary(TestMethods.echo, TestMethods.blob("x")).image == Data("x".utf8))
        await client.close()
        await server.server.shutdownGracefully()
    }

    @Test func droppingAStreamCancelsItOnTheServer() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        var seen = 0
        do {
            let stream = try await client.serverStreaming(TestMethods.count, TestMethods.blob("100000000"))
            for try await _ in stream {
                seen += 1
                if seen == 10 { break }
            }
        }
        #expect(seen == 10)
        try await waitUntil { server.probe.cancelled.withLockedValue { $0 } == 1 }
        #expect(
            try await client.unary(TestMethods.echo, TestMethods.blob("y"), options: .init(timeout: .seconds(2))).image
                == Data("y".utf8))
        await client.close()
        await server.server.shutdownGracefully()
    }
}

@Suite("stream backpressure")
struct StreamBackpressureTests {
    @Test func aSlowConsumerSlowsTheServerInsteadOfFillingMemory() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let stream = try await client.serverStreaming(
            TestMethods.flood, TestMethods.blob(""), options: .init(timeout: .seconds(30)))
        var iterator = stream.makeAsyncIterator()
        _ = try await iterator.next()
        try await Task.sleep(for: .milliseconds(500))
        // Unbounded, the server would have sent thousands of 64 KiB messages by now. With
        // backpressure it stops at the client's buffer (64 messages) plus what the sockets hold.
        let sentWhilePaused = server.probe.calls.withLockedValue { $0 }
        #expect(sentWhilePaused < 400, "server sent \(sentWhilePaused) messages to a consumer that read one")
        // Consuming resumes the flow.
        for _ in 0..<500 { _ = try await iterator.next() }
        #expect(server.probe.calls.withLockedValue { $0 } > sentWhilePaused)
        await client.close()
        await server.server.shutdownGracefully()
    }
}

/// Polls a condition for up to five seconds.
func waitUntil(_ condition: @Sendable () -> Bool, timeout: Duration = .seconds(5)) async throws {
    let clock = ContinuousClock()
    let end = clock.now + timeout
    while !condition() {
        guard clock.now < end else { throw WaitTimeout() }
        try await Task.sleep(for: .milliseconds(10))
    }
}

struct WaitTimeout: Error {}
