import ArgumentParser
import Foundation
import ImageSwissProtos
import RPC
import ServiceRuntime

/// `status`: every service's health (Health/Check, as the probe asks) and the job queue by lane.
/// Exits 1 when a service is not serving.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Each service's health and the queue depth per lane.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let connection = AdminConnection()
        var healthy = true
        var services: [[String: String]] = []
        for service in ServiceCatalog.internalServices {
            var state = "unreachable"
            do {
                var request = HealthCheckRequest()
                request.service = service.protoName
                let answer = try await connection.call(service, HealthMethods.check, request)
                state = answer.status == .serving ? "serving" : "\(answer.status)"
            } catch let error as RPCError {
                state = "unreachable (\(error.code))"
            }
            healthy = healthy && state == "serving"
            services.append(["service": service.name, "state": state])
        }
        let queue = try? await connection.call(ServiceCatalog.jobs, JobsMethods.queueDepth, JobsQueueDepthRequest())
        if self.common.json {
            var lanes: [[String: Any]] = []
            for lane in queue?.lanes ?? [] {
                lanes.append([
                    "lane": lane.lane, "queued": lane.queued, "running": lane.running,
                    "oldest_wait_seconds": lane.oldestWaitSeconds,
                ])
            }
            let object: [String: Any] = ["services": services, "queue": lanes]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            for service in services { print("\(service["service"]!): \(service["state"]!)") }
            for lane in queue?.lanes ?? [] {
                print(
                    "queue \(lane.lane): \(lane.queued) queued, \(lane.running) running, oldest waiting \(Int(lane.oldestWaitSeconds)) s"
                )
            }
        }
        if !healthy { throw ExitCode(1) }
    }
}
