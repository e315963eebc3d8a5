import Foundation
import ImageSwissProtos
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RPC

/// Test methods built from existing messages: `image` carries arbitrary bytes.
enum TestMethods {
    typealias Blob = ImageOpsInspectRequest
    static let echo = RPCMethod<Blob, Blob>("imageswiss.test.v1.Test/Echo", idempotent: false)
    static let sleep = RPCMethod<Blob, Blob>("imageswiss.test.v1.Test/Sleep", idempotent: false)
    static let flaky = RPCMethod<Blob, Blob>("imageswiss.test.v1.Test/Flaky", idempotent: true)
    static let flakyUnsafe = RPCMethod<Blob, Blob>("imageswiss.test.v1.Test/FlakyUnsafe", idempotent: false)
    static let fail = RPCMethod<Blob, Blob>("imageswiss.test.v1.Test/Fail", idempotent: false)
    static let crash = RPCMethod<Blob, Blob>("imageswiss.test.v1.Test/Crash", idempotent: false)
    static let metadata = RPCMethod<Blob, Blob>("imageswiss.test.v1.Test/Metadata", idempotent: false)
    /// Answers the connection's remote address (the client's address and port).
    static let peer = RPCMethod<Blob, Blob>("imageswiss.test.v1.Test/Peer", idempotent: false)
    /// Answers "<caller-id> from <caller-service>".
    static let caller = RPCMethod<Blob, Blob>("imageswiss.test.v1.Test/Caller", idempotent: false)
    static let count = RPCMethod<Blob, Blob>("imageswiss.test.v1.Test/Count", kind: .serverStreaming, idempotent: false)
    static let missing = RPCMethod<Blob, Blob>("imageswiss.test.v1.Test/Missing", idempotent: false)
    /// Streams 64 KiB messages without end, counting each one sent in `probe.calls`.
    static let flood = RPCMethod<Blob, Blob>("imageswiss.test.v1.Test/Flood", kind: .serverStreaming, idempotent: false)

    static func blob(_ bytes: [UInt8]) -> Blob {
        var blob = Blob()
        blob.image = Data(bytes)
        return blob
    }

    static func blob(_ text: String) -> Blob { blob(Array(text.utf8)) }
}

/// Observations the test handlers record.
final class Probe: Sendable {
    let calls = NIOLockedValueBox(0)
    let cancelled = NIOLockedValueBox(0)
    let started = NIOLockedValueBox(0)
    let failuresLeft = NIOLockedValueBox(0)
}

/// A server with the test methods on a free port of 127.0.0.1.
struct TestServer {
    let server: RPCServer
    let probe: Probe
    let port: Int

    static func start(
        port: Int = 0, configure: (inout RPCServerConfiguration) -> Void = { _ in }, probe: Probe = Probe(),
        logger: Logger = Logger(label: "test-server", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> TestServer {
        var configuration = RPCServerConfiguration(host: "127.0.0.1", port: port)
        configuration.drainTimeout = .seconds(5)
        configure(&configuration)
        var router = RPCRouter()
        router.register(TestMethods.echo) { request, _ in
            probe.calls.withLockedValue { $0 += 1 }
            return request
        }
        router.register(TestMethods.sleep) { request, _ in
            probe.started.withLockedValue { $0 += 1 }
            let millis = Int(String(decoding: request.image, as: UTF8.self)) ?? 1000
            do {
                try await Task.sleep(for: .milliseconds(millis))
            } catch {
                probe.cancelled.withLockedValue { $0 += 1 }
                throw error
            }
            return request
        }
        for method in [TestMethods.flaky, TestMethods.flakyUnsafe] {
            router.register(method) { request, _ in
                probe.calls.withLockedValue { $0 += 1 }
                let fail = probe.failuresLeft.withLockedValue { left -> Bool in
                    defer { left = max(0, left - 1) }
                    return left > 0
                }
                if fail { throw RPCError(.unavailable, "try again") }
                return request
            }
        }
        router.register(TestMethods.fail) { _, _ in
            var violation = CommonBadRequest.FieldViolation()
            violation.field = "image"
            violation.description_p = "must not be empty"
            var badRequest = CommonBadRequest()
            badRequest.fieldViolations = [violation]
            throw RPCError(.invalidArgument, "bad image", details: [RPCErrorDetail(badRequest)])
        }
        router.register(TestMethods.crash) { _, _ in
            struct Secret: Error {}
            throw Secret()
        }
        router.register(TestMethods.metadata) { _, context in
            TestMethods.blob(context.metadata.requestID ?? "none")
        }
        router.register(TestMethods.peer) { _, context in TestMethods.blob(context.remoteAddress) }
        router.register(HealthMethods.check) { _, _ in
            var answer = HealthCheckResponse()
            answer.status = .serving
            return answer
        }
        router.register(TestMethods.caller) { _, context in
            TestMethods.blob(
                "\(context.metadata.callerID ?? "none") from \(context.metadata[RPCIdentity.serviceKey] ?? "none")")
        }
        router.register(
            TestMethods.count,
            streaming: { request, _, writer in
                let n = Int(String(decoding: request.image, as: UTF8.self)) ?? 0
                do {
                    for i in 0..<n { try await writer.send(TestMethods.blob("\(i)")) }
                } catch {
                    probe.cancelled.withLockedValue { $0 += 1 }
                    throw error
                }
            })
        router.register(
            TestMethods.flood,
            streaming: { _, _, writer in
                let chunk = TestMethods.blob(Array(repeating: 7, count: 64 * 1024))
                while true {
                    try await writer.send(chunk)
                    probe.calls.withLockedValue { $0 += 1 }
                }
            })
        let server = RPCServer(configuration: configuration, router: router, logger: logger)
        let bound = try await server.start()
        return TestServer(server: server, probe: probe, port: bound)
    }

    func client(_ configure: (inout RPCClientConfiguration) -> Void = { _ in }) -> RPCClient {
        var configuration = RPCClientConfiguration()
        configure(&configuration)
        return RPCClient(endpoints: [RPCEndpoint(host: "127.0.0.1", port: self.port)], configuration: configuration)
    }
}

/// A plain TCP connection for sending hand-made bytes and reading whatever comes back.
final class RawConnection: Sendable {
    private let channel: any Channel
    private let received: NIOLockedValueBox<ByteBuffer>
    private let closed: EventLoopFuture<Void>

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let box: NIOLockedValueBox<ByteBuffer>
        init(_ box: NIOLockedValueBox<ByteBuffer>) { self.box = box }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = Self.unwrapInboundIn(data)
            self.box.withLockedValue { $0.writeBuffer(&bytes) }
        }
    }

    init(port: Int) async throws {
        let box = NIOLockedValueBox(ByteBuffer())
        self.received = box
        self.channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(box)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        self.closed = self.channel.closeFuture
    }

    func send(_ bytes: [UInt8]) async throws {
        try await self.channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// Waits until the server closes the connection (or the timeout), then returns every received frame.
    func framesUntilClose(timeout: Duration = .seconds(5)) async throws -> [Frame] {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.closed.get() }
            group.addTask { try await Task.sleep(for: timeout) }
            try await group.next()
            group.cancelAll()
        }
        return self.frames()
    }

    var isClosed: Bool { !self.channel.isActive }

    func frames() -> [Frame] {
        var buffer = self.received.withLockedValue { $0 }
        var frames: [Frame] = []
        while let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self),
            buffer.readableBytes >= 10 + Int(length)
        {
            buffer.moveReaderIndex(forwardBy: 4)
            let type = buffer.readInteger(as: UInt8.self)!
            let flags = buffer.readInteger(as: UInt8.self)!
            let id = buffer.readInteger(as: UInt32.self)!
            frames.append(
                Frame(rawType: type, flags: flags, callID: id, payload: buffer.readSlice(length: Int(length))!))
        }
        return frames
    }

    func close() async { try? await self.channel.close() }
}

/// Encodes one frame the way the protocol document says.
func frameBytes(_ type: UInt8, flags: UInt8 = 0, callID: UInt32, payload: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = []
    withUnsafeBytes(of: UInt32(payload.count).bigEndian) { bytes += $0 }
    bytes += [type, flags]
    withUnsafeBytes(of: callID.bigEndian) { bytes += $0 }
    return bytes + payload
}

/// HEADERS + END_STREAM MESSAGE of one call, as a client puts them on the wire.
func callBytes(_ callID: UInt32, method: String, timeoutMicros: UInt64 = 0, request: TestMethods.Blob) throws -> [UInt8]
{
    var headers = RPCCallHeaders()
    headers.method = method
    headers.timeoutMicros = timeoutMicros
    return frameBytes(FrameType.headers.rawValue, callID: callID, payload: try headers.serializedBytes())
        + frameBytes(
            FrameType.message.rawValue, flags: FrameFlags.endStream, callID: callID,
            payload: try request.serializedBytes())
}

extension RawConnection {
    /// Waits for the STATUS of a call and decodes it.
    func status(of callID: UInt32) async throws -> RPCCallStatus {
        let isStatus: @Sendable (Frame) -> Bool = { $0.kind == .status && $0.callID == callID }
        try await waitUntil { self.frames().contains(where: isStatus) }
        return try RPCCallStatus(
            serializedBytes: Array(self.frames().first(where: isStatus)!.payload.readableBytesView))
    }
}

func helloBytes(version: UInt32 = 1) throws -> [UInt8] {
    var hello = RPCHello()
    hello.version = version
    hello.maxFrameSize = 1 << 20
    return frameBytes(FrameType.hello.rawValue, callID: 0, payload: try hello.serializedBytes())
}
