import CoreMetrics
import NIOConcurrencyHelpers

/// Per-method call metrics through swift-metrics (Prometheus in the services), for either side of
/// a call: `imageswiss_rpc_<side>_calls_total{method, code}` and
/// `imageswiss_rpc_<side>_call_duration_seconds{method}` — the server's (RPCServer) and what callers
/// saw of the services they call, errors and deadlines included (RPCClient, unary calls).
///
/// Metric objects are created once per method and code and cached, so recording a call costs a
/// dictionary lookup rather than a registry lookup.
final class RPCCallMetrics: Sendable {
    /// Every client's calls (RPCClient).
    static let client = RPCCallMetrics(side: "client")

    private struct MethodMetrics {
        let duration: Timer
        var calls: [UInt32: Counter] = [:]
    }

    private let callsLabel: String
    private let durationLabel: String
    private let cache = NIOLockedValueBox([String: MethodMetrics]())

    /// `side`: "server" or "client".
    init(side: String) {
        self.callsLabel = "imageswiss_rpc_\(side)_calls_total"
        self.durationLabel = "imageswiss_rpc_\(side)_call_duration_seconds"
    }

    func record(method: String, code: RPCStatusCode, duration: Duration) {
        let (timer, counter) = self.cache.withLockedValue { cache -> (Timer, Counter) in
            var entry =
                cache[method]
                ?? MethodMetrics(duration: Timer(label: self.durationLabel, dimensions: [("method", method)]))
            let counter =
                entry.calls[code.rawValue]
                ?? Counter(label: self.callsLabel, dimensions: [("method", method), ("code", code.description)])
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
