import Foundation
import Hummingbird
import ImageSwissProtos
import RPC
import ServiceRuntime

/// Health for people and for balancers:
/// - `GET /livez`: the process answers HTTP (a liveness probe restarts it when this fails).
/// - `GET /readyz`: the edge can serve its core routes: it is not shutting down and Auth, Billing, Jobs
///   and Storage answer SERVING. ImageOps is not among them (only Jobs' workers call it), so a
///   restarting ImageOps does not take every edge out of a balancer.
/// - `GET /healthz`: every internal service's answer, for people; 503 when any one is not serving.
/// Each answers JSON such as `{"status":"degraded","services":{"auth":"SERVING","billing":"UNAVAILABLE: …"}}`.
struct HealthRoute: Sendable {
    static let timeout: Duration = .seconds(2)
    static let core: Set<String> = ["auth", "billing", "jobs", "storage"]
    let upstreams: Upstreams
    let health: HealthService

    func add(to router: Router<EdgeRequestContext>) {
        router.get("/livez", use: self.live)
        router.get("/readyz", use: self.ready)
        router.get("/healthz", use: self.report)
    }

    @Sendable func live(_ request: Request, context: EdgeRequestContext) throws -> Response {
        try Self.json(.ok, ["status": "ok"])
    }

    @Sendable func ready(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        guard self.health.status(for: "") != .notServing else {
            return try Self.json(.serviceUnavailable, ["status": "shutting_down"])
        }
        let answers = await self.ask(self.upstreams.clients.filter { Self.core.contains($0.entry.name) }, context)
        let ready = answers.values.allSatisfy { $0 == "SERVING" }
        return try Self.json(
            ready ? .ok : .serviceUnavailable, ["status": ready ? "ready" : "not_ready", "services": answers])
    }

    @Sendable func report(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let answers = await self.ask(self.upstreams.clients, context)
        let healthy = answers.values.allSatisfy { $0 == "SERVING" }
        return try Self.json(
            healthy ? .ok : .serviceUnavailable, ["status": healthy ? "ok" : "degraded", "services": answers])
    }

    /// Health/Check on each client at once; the answer's name, or the error's code and message.
    private func ask(_ clients: [(entry: ServiceEntry, client: RPCClient)], _ context: EdgeRequestContext) async
        -> [String: String]
    {
        let metadata = RPCMetadata(context.requestID.map { [RPCMetadata.requestID: $0] } ?? [:])
        return await withTaskGroup(of: (String, String).self) { group in
            for (entry, client) in clients {
                group.addTask {
                    do {
                        var request = HealthCheckRequest()
                        request.service = entry.protoName
                        let response = try await client.unary(
                            HealthMethods.check, request, options: .init(timeout: Self.timeout, metadata: metadata))
                        return (entry.name, Self.name(of: response.status))
                    } catch let error as RPCError {
                        return (entry.name, "\(error.code): \(error.message)")
                    } catch {
                        return (entry.name, "ERROR: \(error)")
                    }
                }
            }
            var answers: [String: String] = [:]
            for await (name, status) in group { answers[name] = status }
            return answers
        }
    }

    static func json(_ status: HTTPResponse.Status, _ body: [String: Any]) throws -> Response {
        let json = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        return Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }

    static func name(of status: HealthCheckResponse.ServingStatus) -> String {
        switch status {
        case .serving: "SERVING"
        case .notServing: "NOT_SERVING"
        case .serviceUnknown: "SERVICE_UNKNOWN"
        default: "UNKNOWN"
        }
    }
}
