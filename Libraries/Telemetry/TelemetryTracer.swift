import Tracing

/// The tracer every service bootstraps when an OTLP endpoint is configured (`Telemetry.bootstrap`):
/// W3C trace context in and out (`traceparent`), spans exported by `SpanExporter`.
public struct TelemetryTracer: Tracer {
    let exporter: SpanExporter

    public func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> InstrumentationContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> TelemetrySpan {
        var context = context()
        let parent = context.traceParent
        let own = parent?.child() ?? .root(sampled: Self.samples(self.exporter.settings.sampleRatio))
        context.traceParent = own
        return TelemetrySpan(
            name: operationName, context: context, traceParent: own, parentSpanID: parent?.spanID, kind: kind,
            startNanoseconds: instant().nanosecondsSinceEpoch, exporter: self.exporter)
    }

    public func forceFlush() { self.exporter.flushSoon() }

    /// Whether a new trace is recorded, at `ratio` of them.
    static func samples(_ ratio: Double) -> Bool {
        ratio >= 1 || (ratio > 0 && Double.random(in: 0..<1) < ratio)
    }

    public func extract<Carrier, Extract: Extractor>(
        _ carrier: Carrier, into context: inout InstrumentationContext, using extractor: Extract
    ) where Extract.Carrier == Carrier {
        if let value = extractor.extract(key: Telemetry.headerName, from: carrier), let parent = TraceParent(value) {
            context.traceParent = parent
        }
    }

    public func inject<Carrier, Inject: Injector>(
        _ context: InstrumentationContext, into carrier: inout Carrier, using injector: Inject
    ) where Inject.Carrier == Carrier {
        if let parent = context.traceParent {
            injector.inject(parent.header, forKey: Telemetry.headerName, into: &carrier)
        }
    }
}

/// The current span's trace context, in the task-local instrumentation context.
enum TraceParentKey: InstrumentationContextKey {
    typealias Value = TraceParent
}

extension InstrumentationContext {
    public internal(set) var traceParent: TraceParent? {
        get { self[TraceParentKey.self] }
        set { self[TraceParentKey.self] = newValue }
    }
}
