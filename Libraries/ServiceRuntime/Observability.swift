import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import Telemetry

/// Logging and metrics, set up once per process.
public enum Observability {
    /// The registry behind /metrics.
    public static let registry = PrometheusCollectorRegistry()

    private static let bootstrapped: Void = {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }()

    /// Logs go to standard error as one line per event with their metadata (request-id among it):
    /// text, or JSON objects when `json` (LOG_FORMAT=json); LOG_LEVEL picks the level (default info).
    public static func bootstrap(level: Logger.Level, json: Bool = false) {
        LoggingSystem.bootstrap { label in
            if json { return JSONLogHandler(label: label, logLevel: level) }
            return TextLogHandler(label: label, logLevel: level)
        }
        _ = bootstrapped
    }

    /// The Prometheus text exposition of every metric of this process.
    public static func exposition() -> String { registry.emitToString() }
}

/// GET /metrics over HTTP for Prometheus, on the service's METRICS_PORT.
public func makeMetricsEndpoint(host: String, port: Int, logger: Logger) -> some Service {
    let router = Router()
    router.get("/metrics") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
            body: .init(byteBuffer: ByteBuffer(string: Observability.exposition()))
        )
    }
    return Application(router: router, configuration: .init(address: .hostname(host, port: port)), logger: logger)
}

/// Sends this process's spans to the OTLP endpoint (Telemetry) until shutdown, then what is left:
/// listed first in the service group, it stops last and carries the others' last spans.
struct TraceExport: Service {
    let exporter: SpanExporter

    func run() async throws {
        await cancelWhenGracefulShutdown { await self.exporter.run() }
    }
}
