import Foundation
import Hummingbird
import ImageSwissProtos
import RPC
import ServiceRuntime

/// GET /healthz: asks every internal service's Health/Check at once and reports each answer.
/// 200 when all serve, 503 otherwise, with JSON such as
/// `{"status":"degraded","services":{"auth":"SERVING","billing":"UNAVAILABLE: …"}}`.
enum HealthRoute {
    static let timeout: Duration = .seconds(2)

    static func report(_ upstreams: Upstreams, requestID: String?) async throws -> Response {
        let metadata = RPCMetadata(requestID.map { [RPCMetadata.requestID: $0] } ?? [:])
        let answers = await withTaskGroup(of: (String, String).self) { group in
            for (entry, client) in upstreams.clients {
                group.addTask {
                    do {
                        var request = HealthCheckRequest()
                        request.service = entry.protoName
                        let response = try await client.unary(
                            HealthMethods.check, request, options: .init(timeout: timeout, metadata: metadata))
                        return (entry.name, name(of: response.status))
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
        let healthy = answers.values.allSatisfy { $0 == "SERVING" }
        let body: [String: Any] = ["status": healthy ? "ok" : "degraded", "services": answers]
        let json = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        return Response(
            status: healthy ? .ok : .serviceUnavailable,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: json))
        )
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
