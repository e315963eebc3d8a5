import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import ImageSwissProtos
import Logging
import RPC
import Telemetry

/// The message both contenders echo: `image` carries the payload bytes.
typealias Blob = ImageOpsInspectRequest

/// One side of the comparison: a server and a client on one connection, echoing a message.
protocol Contender: Sendable {
    var name: String { get }
    func echo(_ message: Blob) async throws -> Blob
    func stop() async
}

/// The ImageSwiss protocol: RPCServer + RPCClient over loopback TCP. Calls carry the metadata the
/// edge sends (caller id, role, scopes, tier, request id); with `identity` the client proves them with
/// an HMAC (RPCIdentity) and the server checks every proof, as services do with RPC_IDENTITY_KEY set.
struct ImageSwissContender: Contender {
    static let method = RPCMethod<Blob, Blob>("imageswiss.bench.v1.Bench/Echo", idempotent: true)
    static let metadata: RPCMetadata = [
        RPCMetadata.callerID: "6f1c2a8e-3b7d-4e21-9a0f-5c8d7e6b4a31", RPCMetadata.callerRole: "user",
        RPCMetadata.callerScopes: "*", RPCMetadata.callerTier: "free",
        RPCMetadata.requestID: "0b8e5f7c-2d4a-4c19-8e3f-7a6b5c4d3e21",
    ]
    let name: String
    let server: RPCServer
    let client: RPCClient

    static func start(identity: Bool) async throws -> ImageSwissContender {
        var router = RPC.RPCRouter()
        router.register(method) { request, _ in request }
        var configuration = RPCServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.maxConcurrentCalls = 1024
        let key = "benchmark identity key, thirty-two bytes or more"
        if identity { configuration.identity = try RPCIdentity(service: "bench-server", keys: [key]) }
        let server = RPCServer(
            configuration: configuration, router: router,
            logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        let port = try await server.start()
        var clientConfiguration = RPCClientConfiguration()
        if identity { clientConfiguration.identity = try RPCIdentity(service: "edge", keys: [key]) }
        let client = RPCClient(
            endpoints: [RPCEndpoint(host: "127.0.0.1", port: port)], configuration: clientConfiguration)
        return ImageSwissContender(
            name: identity ? "imageswiss+id" : "imageswiss-rpc", server: server, client: client)
    }

    func echo(_ message: Blob) async throws -> Blob {
        guard Telemetry.isEnabled else { return try await self.call(message) }
        // BENCH_TRACING: every call in a trace of its own, as a request's calls are (a root span,
        // the client's span, the server's span, all exported).
        return try await Telemetry.withSpan("bench", startsTrace: true) { _ in try await self.call(message) }
    }

    private func call(_ message: Blob) async throws -> Blob {
        try await self.client.unary(Self.method, message, options: .init(metadata: Self.metadata))
    }

    func stop() async {
        await self.client.close()
        await self.server.shutdownGracefully()
    }
}

/// grpc-swift 2 with its HTTP/2 transport on NIO (Posix), default configuration, plaintext.
struct GRPCSwiftContender: Contender {
    static let descriptor = MethodDescriptor(
        service: ServiceDescriptor(fullyQualifiedService: "imageswiss.bench.v1.Bench"), method: "Echo")
    let name = "grpc-swift-2"
    let server: GRPCServer<HTTP2ServerTransport.Posix>
    let client: GRPCClient<HTTP2ClientTransport.Posix>
    let tasks: [Task<Void, any Error>]

    struct EchoService: RegistrableRPCService {
        func registerMethods<Transport: ServerTransport>(with router: inout GRPCCore.RPCRouter<Transport>) {
            router.registerHandler(
                forMethod: GRPCSwiftContender.descriptor,
                deserializer: ProtobufDeserializer<Blob>(),
                serializer: ProtobufSerializer<Blob>()
            ) { request, _ in
                let single = try await ServerRequest(stream: request)
                return StreamingServerResponse(single: ServerResponse(message: single.message))
            }
        }
    }

    static func start() async throws -> GRPCSwiftContender {
        let transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext)
        var router = GRPCCore.RPCRouter<HTTP2ServerTransport.Posix>()
        EchoService().registerMethods(with: &router)
        let server = GRPCServer(transport: transport, router: router)
        let serving = Task { try await server.serve() }
        guard let port = try await transport.listeningAddress.ipv4?.port else {
            throw BenchmarkError("grpc server has no port")
        }
        let client = GRPCClient(
            transport: try HTTP2ClientTransport.Posix(
                target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext))
        let connections = Task { try await client.runConnections() }
        return GRPCSwiftContender(server: server, client: client, tasks: [serving, connections])
    }

    func echo(_ message: Blob) async throws -> Blob {
        try await self.client.unary(
            request: ClientRequest(message: message), descriptor: Self.descriptor,
            serializer: ProtobufSerializer<Blob>(), deserializer: ProtobufDeserializer<Blob>(), options: .defaults
        ) { try $0.message }
    }

    func stop() async {
        self.client.beginGracefulShutdown()
        self.server.beginGracefulShutdown()
        for task in self.tasks { _ = try? await task.value }
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
