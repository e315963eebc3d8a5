import Synchronization
import Tracing

/// One span of ours: recorded in memory while it runs, handed to the exporter once when it ends.
public final class TelemetrySpan: Span {
    public let context: InstrumentationContext
    public let traceParent: TraceParent
    let parentSpanID: String?
    let kind: SpanKind
    let startNanoseconds: UInt64
    private let exporter: SpanExporter
    private let state: Mutex<State>

    struct State {
        var name: String
        var attributes = SpanAttributes()
        var status: SpanStatus?
        var events: [SpanEvent] = []
        var ended = false
    }

    init(
        name: String, context: InstrumentationContext, traceParent: TraceParent, parentSpanID: String?,
        kind: SpanKind, startNanoseconds: UInt64, exporter: SpanExporter
    ) {
        self.context = context
        self.traceParent = traceParent
        self.parentSpanID = parentSpanID
        self.kind = kind
        self.startNanoseconds = startNanoseconds
        self.exporter = exporter
        self.state = Mutex(State(name: name))
    }

    public var operationName: String {
        get { self.state.withLock { $0.name } }
        set { self.state.withLock { $0.name = newValue } }
    }

    public var attributes: SpanAttributes {
        get { self.state.withLock { $0.attributes } }
        set { self.state.withLock { $0.attributes = newValue } }
    }

    public var isRecording: Bool { self.state.withLock { !$0.ended } }

    public func setStatus(_ status: SpanStatus) { self.state.withLock { $0.status = status } }

    /// Marks the span failed with a short reason (an RPC status code, an HTTP status).
    public func fail(_ reason: String) { self.setStatus(SpanStatus(code: .error, message: reason)) }

    /// Sets one string attribute (a job id, a tool) without the caller importing Tracing.
    public func set(_ key: String, _ value: String) { self.state.withLock { $0.attributes[key] = value } }

    public func addEvent(_ event: SpanEvent) { self.state.withLock { $0.events.append(event) } }

    public func recordError<Instant: TracerInstant>(
        _ error: Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant
    ) {
        var described = attributes
        described["exception.type"] = String(describing: type(of: error))
        described["exception.message"] = String(String(describing: error).prefix(500))
        self.addEvent(SpanEvent(name: "exception", at: instant(), attributes: described))
    }

    /// Links are not exported: our spans continue one parent each.
    public func addLink(_ link: SpanLink) {}

    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        let end = instant().nanosecondsSinceEpoch
        guard
            let state = self.state.withLock({ state -> State? in
                guard !state.ended else { return nil }
                state.ended = true
                return state
            })
        else { return }
        guard self.traceParent.sampled else { return }
        self.exporter.add(
            FinishedSpan(
                name: state.name, traceID: self.traceParent.traceID, spanID: self.traceParent.spanID,
                parentSpanID: self.parentSpanID, kind: self.kind, startNanoseconds: self.startNanoseconds,
                endNanoseconds: end, attributes: state.attributes, status: state.status, events: state.events))
    }
}

/// A span as exported.
struct FinishedSpan: Sendable {
    let name: String
    let traceID: String
    let spanID: String
    let parentSpanID: String?
    let kind: SpanKind
    let startNanoseconds: UInt64
    let endNanoseconds: UInt64
    let attributes: SpanAttributes
    let status: SpanStatus?
    let events: [SpanEvent]
}
