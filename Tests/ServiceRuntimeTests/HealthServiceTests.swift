import ImageSwissProtos
import Logging
import RPC
import ServiceRuntime
import Testing

@Suite("health service")
struct HealthServiceTests {
    @Test func checkAnswersPerServiceAndWatchStreamsChanges() async throws {
        let health = HealthService()
        health.setStatus(.serving)
        health.setStatus(.serving, for: "imageswiss.auth.v1.Auth")
        var router = RPCRouter()
        health.register(in: &router)
        let server = RPCServer(
            configuration: .init(host: "127.0.0.1", port: 0), router: router,
            logger: Logger(label: "health-test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let port = try await server.start()
        let client = RPCClient(endpoints: [.init(host: "127.0.0.1", port: port)])

        var request = HealthCheckRequest()
        request.service = "imageswiss.auth.v1.Auth"
        #expect(try await client.unary(HealthMethods.check, request).status == .serving)
        var unknown = HealthCheckRequest()
        unknown.service = "nope.Nope"
        #expect(try await client.unary(HealthMethods.check, unknown).status == .serviceUnknown)

        let stream = try await client.serverStreaming(
            HealthMethods.watch, request, options: .init(timeout: .seconds(10)))
        var iterator = stream.makeAsyncIterator()
        #expect(try await iterator.next()?.status == .serving)  // the current status at once
        health.setStatus(.notServing, for: "imageswiss.auth.v1.Auth")
        #expect(try await iterator.next()?.status == .notServing)
        health.setStatus(.serving, for: "imageswiss.auth.v1.Auth")
        #expect(try await iterator.next()?.status == .serving)

        await client.close()
        await server.shutdownGracefully()
    }
}
