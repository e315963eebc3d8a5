import CoreMetrics
import NIOConcurrencyHelpers

/// Per-method server metrics, through swift-metrics (Prometheus in the services):
/// `imageswiss_rpc_server_calls_total{method, code}` and
/// `imageswiss_rpc_server_call_duration_seconds{method}` (RPCClientMetrics: the callers' side).
///
/// Metric objects are created once per method and code and cached, so recording a call costs a
/// dictionary lookup rather than a registry lookup.
final class RPCServerMetrics: Sendable {
    private struct MethodMetrics {
        let duration: Timer
        var calls: [UInt32: Counter] = [:]
    }

    private let cache = NIOLockedValueBox([String: MethodMetrics]())

    func record(method: String, code: RPCStatusCode, duration: Duration) {
        let (timer, counter) = self.cache.withLockedValue { cache -> (Timer, Counter) in
            var entry =
                cache[method]
                ?? MethodMetrics(
                    duration: Timer(
                        label: "imageswiss_rpc_server_call_duration_seconds", dimensions: [("method", method)]))
            let counter =
                entry.calls[code.rawValue]
                ?? Counter(
                    label: "imageswiss_rpc_server_calls_total",
                    dimensions: [("method", method), ("code", code.description)])
            entry.calls[code.rawValue] = counter
            cache[method] = entry
            return (entry.duration, counter)
        }
        counter.increment()
        timer.recordNanoseconds(
            Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
