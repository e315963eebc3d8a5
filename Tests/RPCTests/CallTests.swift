import Foundation
import ImageSwissProtos
import RPC
import Testing

@Suite("calls over one connection")
struct CallTests {
    @Test func unaryEchoAndMetadata() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let answer = try await client.unary(TestMethods.echo, TestMethods.blob("hello"))
        #expect(answer.image == Data("hello".utf8))
        let id = try await client.unary(
            TestMethods.metadata, TestMethods.blob(""), options: .init(metadata: [RPCMetadata.requestID: "req-42"]))
        #expect(String(decoding: id.image, as: UTF8.self) == "req-42")
        await client.close()
        await server.server.shutdownGracefully()
    }

    @Test func errorsCarryCodeMessageAndTypedDetails() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let error = await #expect(throws: RPCError.self) {
            try await client.unary(TestMethods.fail, TestMethods.blob(""))
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message == "bad image")
        #expect(error?.detail(CommonBadRequest.self)?.fieldViolations.first?.field == "image")
        // A handler's own error type reaches the client as INTERNAL, without its text.
        let crash = await #expect(throws: RPCError.self) {
            try await client.unary(TestMethods.crash, TestMethods.blob(""))
        }
        #expect(crash?.code == .internal && crash?.message == "internal error")
        await client.close()
        await server.server.shutdownGracefully()
    }

    @Test func unknownMethodIsUnimplementedAndTheConnectionCarriesOn() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let error = await #expect(throws: RPCError.self) {
            try await client.unary(TestMethods.missing, TestMethods.blob(""))
        }
        #expect(error?.code == .unimplemented)
        #expect(try await client.unary(TestMethods.echo, TestMethods.blob("after")).image == Data("after".utf8))
        await client.close()
        await server.server.shutdownGracefully()
    }

    @Test func serverStreamingDeliversEveryMessageInOrder() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        var received: [String] = []
        for try await message in try await client.serverStreaming(TestMethods.count, TestMethods.blob("500")) {
            received.append(String(decoding: message.image, as: UTF8.self))
        }
        #expect(received == (0..<500).map(String.init))
        await client.close()
        await server.server.shutdownGracefully()
    }

    @Test func manyConcurrentCallsShareOneConnectionAndEachGetsItsOwnAnswer() async throws {
        let server = try await TestServer.start { $0.maxConcurrentCalls = 2000 }
        let client = server.client()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<2000 {
                group.addTask {
                    let payload = Array("call-\(i)-".utf8) + Array(repeating: UInt8(i % 251), count: i % 700)
                    let answer = try await client.unary(TestMethods.echo, TestMethods.blob(payload))
                    #expect(Array(answer.image) == payload)
                }
            }
            try await group.waitForAll()
        }
        #expect(server.probe.calls.withLockedValue { $0 } == 2000)
        await client.close()
        await server.server.shutdownGracefully()
    }

    @Test func pingMeasuresARoundTrip() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let rtt = try await client.ping()
        #expect(rtt < .seconds(5))
        await client.close()
        await server.server.shutdownGracefully()
    }

    @Test func oneMebibytePayloadRoundTrips() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        #expect(Array(try await client.unary(TestMethods.echo, TestMethods.blob(payload)).image) == payload)
        await client.close()
        await server.server.shutdownGracefully()
    }
}

@Suite("limits")
struct LimitTests {
    @Test func requestAboveTheServersMaxFrameSizeIsResourceExhaustedAndNothingBreaks() async throws {
        let server = try await TestServer.start { $0.maxFrameSize = 64 * 1024 }
        let client = server.client()
        // The client knows the server's limit from HELLO and refuses before sending.
        let error = await #expect(throws: RPCError.self) {
            try await client.unary(TestMethods.echo, TestMethods.blob(Array(repeating: 1, count: 100_000)))
        }
        #expect(error?.code == .resourceExhausted)
        #expect(try await client.unary(TestMethods.echo, TestMethods.blob("ok")).image == Data("ok".utf8))
        await client.close()
        await server.server.shutdownGracefully()
    }

    @Test func oversizedFrameFromARawClientIsAnsweredAndSkipped() async throws {
        let server = try await TestServer.start { $0.maxFrameSize = 1024 }
        let raw = try await RawConnection(port: server.port)
        try await raw.send(
            try helloBytes()
                + callBytes(
                    1, method: TestMethods.echo.path, request: TestMethods.blob(Array(repeating: 0, count: 5000)))
                + callBytes(2, method: TestMethods.echo.path, request: TestMethods.blob("fine")))
        #expect(try await raw.status(of: 1).code == RPCStatusCode.resourceExhausted.rawValue)
        #expect(try await raw.status(of: 2).code == RPCStatusCode.ok.rawValue)
        #expect(!raw.isClosed)
        await raw.close()
        await server.server.shutdownGracefully()
    }

    @Test func callsBeyondMaxConcurrentCallsAreResourceExhausted() async throws {
        let server = try await TestServer.start { $0.maxConcurrentCalls = 4 }
        let client = server.client()
        // Four calls hold every slot until they are cancelled; the server says when all four run.
        let held = (0..<4).map { _ in
            Task { try await client.unary(TestMethods.sleep, TestMethods.blob("60000")) }
        }
        try await waitUntil { server.probe.started.withLockedValue { $0 } == 4 }
        for _ in 0..<6 {
            do {
                _ = try await client.unary(TestMethods.echo, TestMethods.blob("one too many"))
                Issue.record("a fifth concurrent call was served")
            } catch let error as RPCError {
                #expect(error.code == .resourceExhausted)
            }
        }
        for call in held { call.cancel() }
        try await waitUntil { server.probe.cancelled.withLockedValue { $0 } == 4 }
        // The slots are free again.
        let back = try await client.unary(TestMethods.echo, TestMethods.blob("back"))
        #expect(back.image == Data("back".utf8))
        await client.close()
        await server.server.shutdownGracefully()
    }
}
