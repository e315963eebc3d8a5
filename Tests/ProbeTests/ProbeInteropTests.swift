import Foundation
import ImageSwissProtos
import Logging
import NIOCore
import NIOEmbedded
import RPC
import ServiceRuntime
import TestSupport
import Testing

/// The C probe (protoc-c + libprotobuf-c) and the Swift implementation read each other's bytes.
@Suite("C probe interop")
struct ProbeInteropTests {
    let probe: String

    init() throws {
        self.probe = try buildProductsDirectory() + "/imageswiss-probe"
    }

    func startServer(_ health: HealthService) async throws -> RPCServer {
        var router = RPCRouter()
        health.register(in: &router)
        let server = RPCServer(
            configuration: .init(host: "127.0.0.1", port: 0), router: router,
            logger: Logger(label: "probe-test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        try await server.start()
        return server
    }

    @Test func probeReportsEachServingStatusOfASwiftServer() async throws {
        let health = HealthService()
        health.setStatus(.serving)
        health.setStatus(.notServing, for: "imageswiss.billing.v1.Billing")
        let server = try await startServer(health)
        let address = "127.0.0.1:\(server.port!)"

        let serving = try await runWithStatus(probe, [address])
        #expect(serving.status == 0)
        #expect(serving.output.contains("SERVING"))
        let notServing = try await runWithStatus(probe, [address, "imageswiss.billing.v1.Billing"])
        #expect(notServing.status == 1)
        #expect(notServing.output.contains("NOT_SERVING"))
        let unknown = try await runWithStatus(probe, [address, "no.such.Service"])
        #expect(unknown.status == 1)
        #expect(unknown.output.contains("SERVICE_UNKNOWN"))
        await server.shutdownGracefully()

        // Nothing listening: exit 2 with a message.
        let down = try await runWithStatus(probe, ["--timeout-ms", "500", "127.0.0.1:\(try freePort())"])
        #expect(down.status == 2)
        #expect(down.output.contains("cannot connect"))
    }

    @Test func swiftDecodesTheProbesRequestFrames() async throws {
        let bytes = try await runForBytes(probe, ["--encode-check", "imageswiss.auth.v1.Auth"]).output
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxPayloadSize: 1 << 20)))
        try channel.writeInbound(ByteBuffer(bytes: bytes))
        var frames: [Frame] = []
        while case .frame(let frame)? = try channel.readInbound(as: FrameEvent.self) { frames.append(frame) }
        #expect(frames.map(\.kind) == [.hello, .headers, .message])

        let hello = try RPCHello(serializedBytes: Array(frames[0].payload.readableBytesView))
        #expect(hello.version == 1 && frames[0].callID == 0)
        let headers = try RPCCallHeaders(serializedBytes: Array(frames[1].payload.readableBytesView))
        #expect(headers.method == HealthMethods.check.path)
        #expect(headers.timeoutMicros == 2_000_000)
        #expect(headers.metadata["request-id"] == "probe")
        #expect(frames[2].has(FrameFlags.endStream) && frames[2].callID == frames[1].callID)
        let request = try HealthCheckRequest(serializedBytes: Array(frames[2].payload.readableBytesView))
        #expect(request.service == "imageswiss.auth.v1.Auth")
        _ = try channel.finish()
    }

    @Test func probeDecodesTheSwiftEncodersFrames() async throws {
        let allocator = ByteBufferAllocator()
        var hello = RPCHello()
        hello.version = 1
        hello.maxFrameSize = 4_194_304
        hello.maxConcurrentCalls = 256
        hello.peer = "swift"
        var headers = RPCCallHeaders()
        headers.method = HealthMethods.check.path
        headers.timeoutMicros = 1500
        headers.metadata = ["request-id": "abc"]
        var response = HealthCheckResponse()
        response.status = .notServing
        let status = RPCError(.notFound, "no such blob", details: [RPCErrorDetail(CommonResourceInfo())]).wireStatus
        var goAway = RPCGoAway()
        goAway.lastCallID = 7
        goAway.reason = "bye"

        var stream: [UInt8] = []
        func append(_ type: FrameType, flags: UInt8 = 0, id: UInt32, _ payload: [UInt8]) {
            stream += Array(
                FrameLayout.encode(type: type, flags: flags, callID: id, payload: payload, allocator: allocator)
                    .readableBytesView)
        }
        append(.hello, id: 0, try hello.serializedBytes())
        append(.headers, id: 7, try headers.serializedBytes())
        append(.message, flags: FrameFlags.endStream, id: 7, try response.serializedBytes())
        append(.status, id: 7, try status.serializedBytes())
        append(.ping, flags: FrameFlags.ack, id: 0, [1, 2, 3, 4, 5, 6, 7, 8])
        append(.goAway, id: 0, try goAway.serializedBytes())

        let lines = try await run(probe, ["--decode"], input: stream).split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "call=0 flags=0 HELLO version=1 max_frame_size=4194304 max_concurrent_calls=256 peer=swift",
                "call=7 flags=0 HEADERS method=/imageswiss.health.v1.Health/Check timeout_micros=1500 request-id=abc",
                "call=7 flags=1 MESSAGE bytes=2 health=NOT_SERVING",
                "call=7 flags=0 STATUS code=5 message=no such blob details=1 detail=type.imageswiss.dev/imageswiss.common.v1.ResourceInfo",
                "call=0 flags=1 PING bytes=8",
                "call=0 flags=0 GOAWAY last_call_id=7 code=0 reason=bye",
            ])
    }
}
