import ImageSwissProtos
import NIOConcurrencyHelpers
import RPC

/// The imageswiss.health.v1.Health service: a status per service name ("" is the process as a whole).
public final class HealthService: Sendable {
    public typealias Status = HealthCheckResponse.ServingStatus

    private struct State {
        var statuses: [String: Status] = [:]
        var watchers: [Int: AsyncStream<Status>.Continuation] = [:]
        var watcherServices: [Int: String] = [:]
        var nextWatcher = 0
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// Sets a status and tells every watcher of that service.
    public func setStatus(_ status: Status, for service: String = "") {
        let watchers = self.state.withLockedValue { state -> [AsyncStream<Status>.Continuation] in
            guard state.statuses[service] != status else { return [] }
            state.statuses[service] = status
            return state.watcherServices.filter { $0.value == service }.compactMap { state.watchers[$0.key] }
        }
        for watcher in watchers { watcher.yield(status) }
    }

    public func status(for service: String) -> Status? {
        self.state.withLockedValue { $0.statuses[service] }
    }

    /// Adds Check and Watch to a router.
    public func register(in router: inout RPCRouter) {
        router.register(HealthMethods.check) { request, _ in
            var response = HealthCheckResponse()
            response.status = self.status(for: request.service) ?? .serviceUnknown
            return response
        }
        router.register(
            HealthMethods.watch,
            streaming: { request, _, writer in
                let (stream, continuation) = AsyncStream<Status>.makeStream(bufferingPolicy: .bufferingNewest(1))
                let id = self.state.withLockedValue { state -> Int in
                    state.nextWatcher += 1
                    state.watchers[state.nextWatcher] = continuation
                    state.watcherServices[state.nextWatcher] = request.service
                    continuation.yield(state.statuses[request.service] ?? .serviceUnknown)
                    return state.nextWatcher
                }
                defer {
                    self.state.withLockedValue { state in
                        state.watchers[id] = nil
                        state.watcherServices[id] = nil
                    }
                }
                for await status in stream {
                    var response = HealthCheckResponse()
                    response.status = status
                    try await writer.send(response)
                }
            })
    }
}
