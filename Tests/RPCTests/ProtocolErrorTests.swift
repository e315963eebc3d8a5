import Foundation
import RPC
import Testing

@Suite("protocol errors")
struct ProtocolErrorTests {
    @Test func garbageBytesGetGoAwayAndCloseWhileOthersAreServed() async throws {
        let server = try await TestServer.start()
        let client = server.client()
        let raw = try await RawConnection(port: server.port)
        try await raw.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        let frames = try await raw.framesUntilClose()
        #expect(raw.isClosed)
        #expect(frames.last?.kind == .goAway)
        #expect(
            try await client.unary(TestMethods.echo, TestMethods.blob("still here")).image == Data("still here".utf8))
        await client.close()
        await server.server.shutdownGracefully()
    }

    @Test func randomGarbageNeverCrashesTheServer() async throws {
        let server = try await TestServer.start()
        var generator = SystemRandomNumberGenerator()
        for round in 0..<30 {
            let raw = try await RawConnection(port: server.port)
            // Half the rounds start with a valid HELLO, then noise.
            let prefix = round % 2 == 0 ? try helloBytes() : []
            try await raw.send(
                prefix
                    + (0..<Int.random(in: 1...4096, using: &generator)).map { _ in
                        UInt8.random(in: 0...255, using: &generator)
                    })
            try await Task.sleep(for: .milliseconds(5))
            await raw.close()
        }
        let client = server.client()
        #expect(try await client.unary(TestMethods.echo, TestMethods.blob("alive")).image == Data("alive".utf8))
        await client.close()
        await server.server.shutdownGracefully()
    }

    @Test func unsupportedVersionIsRefused() async throws {
        let server = try await TestServer.start()
        let raw = try await RawConnection(port: server.port)
        try await raw.send(try helloBytes(version: 99))
        let frames = try await raw.framesUntilClose()
        let goAway = try #require(frames.first { $0.kind == .goAway })
        let decoded = try RPCGoAway(serializedBytes: Array(goAway.payload.readableBytesView))
        #expect(decoded.code == RPCStatusCode.failedPrecondition.rawValue)
        #expect(decoded.reason.contains("version"))
        await server.server.shutdownGracefully()
    }

    @Test func reusedCallIdIsAProtocolError() async throws {
        let server = try await TestServer.start()
        let raw = try await RawConnection(port: server.port)
        var headers = RPCCallHeaders()
        headers.method = TestMethods.echo.path
        let h: [UInt8] = try headers.serializedBytes()
        try await raw.send(
            try helloBytes()
                + frameBytes(FrameType.headers.rawValue, callID: 5, payload: h)
                + frameBytes(FrameType.headers.rawValue, callID: 5, payload: h))
        let frames = try await raw.framesUntilClose()
        #expect(frames.last?.kind == .goAway)
        await server.server.shutdownGracefully()
    }

    @Test func absurdDeadlinesAreClampedNotFatal() async throws {
        let server = try await TestServer.start()
        let raw = try await RawConnection(port: server.port)
        try await raw.send(
            try helloBytes()
                + callBytes(1, method: TestMethods.echo.path, timeoutMicros: UInt64.max, request: TestMethods.blob("x"))
        )
        #expect(try await raw.status(of: 1).code == RPCStatusCode.ok.rawValue)
        await raw.close()
        await server.server.shutdownGracefully()
    }

    @Test func silentConnectionIsClosedAfterTheHandshakeTimeout() async throws {
        let server = try await TestServer.start { $0.handshakeTimeout = .milliseconds(200) }
        let raw = try await RawConnection(port: server.port)
        _ = try await raw.framesUntilClose(timeout: .seconds(3))
        #expect(raw.isClosed)
        await server.server.shutdownGracefully()
    }
}
