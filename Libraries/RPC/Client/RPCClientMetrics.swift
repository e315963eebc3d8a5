import CoreMetrics
import NIOConcurrencyHelpers

/// Per-method client metrics: `imageswiss_rpc_client_calls_total{method, code}` and
/// `imageswiss_rpc_client_call_duration_seconds{method}` — what a service saw of the services it
/// calls, errors and deadlines included (the server's own figures are RPCServerMetrics'). Cached
/// per method and code like the server's.
final class RPCClientMetrics: Sendable {
    static let shared = RPCClientMetrics()

    private struct MethodMetrics {
        let duration: Timer
        var calls: [UInt32: Counter] = [:]
    }

    private let cache = NIOLockedValueBox([String: MethodMetrics]())

    func record(method: String, code: RPCStatusCode, since started: ContinuousClock.Instant) {
        let duration = ContinuousClock.now - started
        let (timer, counter) = self.cache.withLockedValue { cache -> (Timer, Counter) in
            var entry =
                cache[method]
                ?? MethodMetrics(
                    duration: Timer(
                        label: "imageswiss_rpc_client_call_duration_seconds", dimensions: [("method", method)]))
            let counter =
                entry.calls[code.rawValue]
                ?? Counter(
                    label: "imageswiss_rpc_client_calls_total",
                    dimensions: [("method", method), ("code", code.description)])
            entry.calls[code.rawValue] = counter
            cache[method] = entry
            return (entry.duration, counter)
        }
        counter.increment()
        timer.recordNanoseconds(
            Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// The status code an error ends a call with.
    static func code(_ error: any Error) -> RPCStatusCode {
        (error as? RPCError)?.code ?? (error is CancellationError ? .cancelled : .unknown)
    }
}
