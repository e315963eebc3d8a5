import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import ImageSwissProtos
import Logging
import RPC

/// The message both contenders echo: `image` carries the payload bytes.
typealias Blob = ImageOpsInspectRequest

/// One side of the comparison: a server and a client on one connection, echoing a message.
protocol Contender: Sendable {
    var name: String { get }
    func echo(_ message: Blob) async throws -> Blob
    func stop() async
}

/// The ImageSwiss protocol: RPCServer + RPCClient over loopback TCP.
struct ImageSwissContender: Contender {
    static let method = RPCMethod<Blob, Blob>("imageswiss.bench.v1.Bench/Echo", idempotent: true)
    let name = "imageswiss-rpc"
    let server: RPCServer
    let client: RPCClient

    static func start() async throws -> ImageSwissContender {
        var router = RPC.RPCRouter()
        router.register(method) { request, _ in request }
        var configuration = RPCServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.maxConcurrentCalls = 1024
        let server = RPCServer(
            configuration: configuration, router: router,
            logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        let port = try await server.start()
        let client = RPCClient(endpoints: [RPCEndpoint(host: "127.0.0.1", port: port)])
        return ImageSwissContender(server: server, client: client)
    }

    func echo(_ message: Blob) async throws -> Blob {
        try await self.client.unary(Self.method, message)
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
