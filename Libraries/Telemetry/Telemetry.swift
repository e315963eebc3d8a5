import Curl
import Synchronization
import Tracing

/// Tracing for a process: off unless an OTLP endpoint is configured, and then W3C trace context
/// through every hop (the edge's requests, each RPC, each job, each outbound HTTP call) with spans
/// exported over OTLP/HTTP. Off, every hook below is one relaxed atomic load.
public enum Telemetry {
    /// The W3C header (and the key our tracer reads and writes in any carrier).
    public static let headerName = "traceparent"

    private static let enabled = Atomic<Bool>(false)
    private static let installed = Mutex<(tracer: TelemetryTracer, exporter: SpanExporter)?>(nil)

    public static var isEnabled: Bool { self.enabled.load(ordering: .relaxed) }

    /// The exporter settings the environment asks for, by OpenTelemetry's own variable names;
    /// nil when no endpoint is set (tracing stays off).
    public static func settings(service: String, environment: [String: String]) -> SpanExporter.Settings? {
        let url: String
        if let traces = environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"], !traces.isEmpty {
            url = traces
        } else if let base = environment["OTEL_EXPORTER_OTLP_ENDPOINT"], !base.isEmpty {
            url = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/v1/traces"
        } else {
            return nil
        }
        guard environment["OTEL_TRACES_EXPORTER"] != "none", environment["OTEL_SDK_DISABLED"] != "true" else {
            return nil
        }
        var settings = SpanExporter.Settings(url: url, service: environment["OTEL_SERVICE_NAME"] ?? service)
        if let delay = environment["OTEL_BSP_SCHEDULE_DELAY"].flatMap(Int.init), delay > 0 {
            settings.delay = .milliseconds(delay)
        }
        if let size = environment["OTEL_BSP_MAX_QUEUE_SIZE"].flatMap(Int.init), size > 0 { settings.maxQueue = size }
        if let size = environment["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"].flatMap(Int.init), size > 0 {
            settings.maxBatch = size
        }
        if let timeout = environment["OTEL_EXPORTER_OTLP_TIMEOUT"].flatMap(Int.init), timeout > 0 {
            settings.timeout = .milliseconds(timeout)
        }
        switch environment["OTEL_TRACES_SAMPLER"] {
        case "traceidratio", "parentbased_traceidratio":
            settings.sampleRatio = min(max(environment["OTEL_TRACES_SAMPLER_ARG"].flatMap(Double.init) ?? 1, 0), 1)
        case "always_off", "parentbased_always_off": settings.sampleRatio = 0
        default: break
        }
        return settings
    }

    /// Turns tracing on for this process (once; later calls answer the first exporter). The caller
    /// runs the exporter's `run()` for the life of the process.
    @discardableResult
    public static func bootstrap(_ settings: SpanExporter.Settings) -> SpanExporter {
        let (tracer, exporter, first) = self.installed.withLock { installed in
            if let installed { return (installed.tracer, installed.exporter, false) }
            let exporter = SpanExporter(settings)
            installed = (TelemetryTracer(exporter: exporter), exporter)
            return (installed!.tracer, exporter, true)
        }
        guard first else { return exporter }
        InstrumentationSystem.bootstrap(tracer)
        CurlPropagation.install {
            InstrumentationContext.current?.traceParent.map { (Telemetry.headerName, $0.header) }
        }
        self.enabled.store(true, ordering: .relaxed)
        return exporter
    }

    /// The current span's context, for a job to store or a frame to carry.
    public static var current: TraceParent? {
        guard self.isEnabled else { return nil }
        return InstrumentationContext.current?.traceParent
    }

    /// Runs `body` in a new span — a child of `parent` (a traceparent header value) when given and
    /// valid, else of the current span, else (when `startsTrace`) the first of a new trace. Without
    /// a trace to continue and not starting one, or with tracing off, it only runs `body`: the
    /// services' own periodic calls (sweeps, health checks) make no traces of their own.
    public static func withSpan<T>(
        _ name: String, kind: SpanKind = .internal, parent: String? = nil, startsTrace: Bool = false,
        _ body: (TelemetrySpan?) async throws -> T
    ) async rethrows -> T {
        guard self.isEnabled, let tracer = self.installed.withLock({ $0?.tracer }) else { return try await body(nil) }
        var context = InstrumentationContext.current ?? .topLevel
        if let parent, let parsed = TraceParent(parent) { context.traceParent = parsed }
        guard startsTrace || context.traceParent != nil else { return try await body(nil) }
        let span = tracer.startSpan(
            name, context: context, ofKind: kind, at: DefaultTracerClock.now, function: #function, file: #fileID,
            line: #line)
        defer { span.end() }
        do {
            return try await InstrumentationContext.$current.withValue(span.context) { try await body(span) }
        } catch {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            throw error
        }
    }
}
