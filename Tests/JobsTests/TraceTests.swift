import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import Telemetry
import TestSupport
import Testing

/// Tracing through real processes: every service exports to a local OTLP/HTTP receiver, and one
/// batch, submitted with the caller's own `traceparent`, is one trace — the edge's request, Jobs'
/// submission, Billing's quote and hold, and the worker's run of the job with its Storage reads and
/// writes and ImageOps' processing — every span's parent another span of it, the first the caller's.
@Suite(.serialized) struct TraceTests {
    @Test func oneBatchIsOneTraceFromTheEdgeThroughEveryService() async throws {
        let receiver = try await OTLPReceiver()
        defer { receiver.stop() }
        let jobs = try await JobsStack.start([
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.baseURL, "OTEL_BSP_SCHEDULE_DELAY": "200", "LOG_FORMAT": "json",
        ])
        defer { Task { await jobs.stop() } }
        let user = try await jobs.user("traced@imageswiss.test", credits: 20)
        let hooks = try await WebhookReceiver()
        defer { hooks.stop() }
        let webhook = try await jobs.http.call(
            "POST", "/api/v1/webhooks", json: ["url": hooks.url, "events": ["job.succeeded"]], bearer: user.access)
        #expect(webhook.status == 201, "\(webhook.text)")
        let photo = try await jobs.upload(user.access, width: 640, height: 480)

        let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
        let callerSpan = "00f067aa0ba902b7"
        let batch = try await jobs.http.call(
            "POST", "/api/v1/batches",
            json: ["input_file_ids": [photo], "steps": [["operation": "resize", "parameters": ["width": 320]]]],
            bearer: user.access, headers: ["traceparent": "00-\(traceID)-\(callerSpan)-01"])
        #expect(batch.status == 201, "\(batch.text)")
        let batchID = try #require(batch.json["id"] as? String)
        try await waitUntil {
            try await jobs.http.call("GET", "/api/v1/batches/\(batchID)", bearer: user.access).json["status"]
                as? String == "succeeded"
        }

        let expected: Set = [
            "imageswiss-edge", "imageswiss-jobs", "imageswiss-billing", "imageswiss-storage", "imageswiss-imageops",
        ]
        var spans: [OTLPReceiver.Span] = []
        try await waitUntil(timeout: .seconds(20)) {
            spans = receiver.spans(in: traceID)
            return expected.isSubset(of: Set(spans.map(\.service))) && spans.contains { $0.name.hasPrefix("job ") }
        }
        let ids = Set(spans.map(\.spanID))
        #expect(ids.count == spans.count, "span ids are unique")
        for span in spans {
            #expect(span.parentSpanID == callerSpan || ids.contains(span.parentSpanID ?? ""), "orphan: \(span)")
        }
        let edge = try #require(spans.first { $0.service == "imageswiss-edge" && $0.parentSpanID == callerSpan })
        #expect(edge.name == "/api/v1/batches" && edge.kind == 2, "\(edge)")
        // The worker's run continues the submission's trace: its ImageOps call is in it.
        let run = try #require(spans.first { $0.name.hasPrefix("job ") })
        #expect(run.service == "imageswiss-jobs" && run.kind == 5, "\(run)")
        func descends(_ span: OTLPReceiver.Span, from ancestor: String) -> Bool {
            var parent = span.parentSpanID
            while let id = parent {
                if id == ancestor { return true }
                parent = spans.first { $0.spanID == id }?.parentSpanID
            }
            return false
        }
        let process = try #require(
            spans.first { $0.service == "imageswiss-imageops" && $0.name.hasSuffix("/Process") }, "\(spans.map(\.name))"
        )
        #expect(descends(process, from: run.spanID) && descends(run, from: edge.spanID))
        #expect(spans.contains { $0.service == "imageswiss-billing" && $0.name.contains("Hold") })

        // The job's webhook is sent in a span of the same trace, whose id it carries to the receiver.
        let delivered = try await hooks.wait { $0.json["type"] as? String == "job.succeeded" }
        let header = try #require(TraceParent(delivered.traceParent), "\(delivered.traceParent)")
        #expect(header.traceID == traceID)
        try await waitUntil(timeout: .seconds(10)) {
            receiver.spans(in: traceID).contains { $0.spanID == header.spanID && $0.name == "webhook job.succeeded" }
        }
        spans = receiver.spans(in: traceID)
        let sent = try #require(spans.first { $0.spanID == header.spanID })
        #expect(sent.service == "imageswiss-jobs" && descends(sent, from: edge.spanID), "\(sent)")

        // The edge's access line of the submission names its trace (JSON logs, buffered a moment).
        try await waitUntil(timeout: .seconds(10)) {
            let log = (try? String(contentsOfFile: "\(jobs.stack.scratch)/edge.log", encoding: .utf8)) ?? ""
            return log.split(separator: "\n").contains { line in
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
                return object?["message"] == "http" && object?["route"] == "/api/v1/batches"
                    && object?["method"] == "POST" && object?["trace-id"] == traceID
            }
        }

        // Without a caller's header the edge starts a trace of its own.
        let own = try await jobs.http.call("GET", "/api/v1/files/\(photo)", bearer: user.access)
        #expect(own.status == 200)
        try await waitUntil(timeout: .seconds(10)) {
            receiver.all().contains {
                $0.service == "imageswiss-edge" && $0.traceID != traceID && $0.parentSpanID == nil
            }
        }
    }
}

/// An OTLP/HTTP trace receiver on loopback (`POST /v1/traces`, the JSON encoding), as a collector is.
final class OTLPReceiver: Sendable {
    struct Span: Sendable, CustomStringConvertible {
        let service, traceID, spanID, name: String
        let parentSpanID: String?
        let kind: Int
        var description: String { "\(self.service) \(self.name) \(self.spanID)←\(self.parentSpanID ?? "-")" }
    }

    let port: Int
    private let received = NIOLockedValueBox([Span]())
    private let task: Task<Void, any Error>
    var baseURL: String { "http://127.0.0.1:\(self.port)" }

    init() async throws {
        let port = try freePort()
        self.port = port
        let received = self.received
        let router = Router()
        router.post("/v1/traces") { request, _ -> Response in
            guard request.headers[.contentType] == "application/json" else {
                return Response(status: .unsupportedMediaType)
            }
            let body = try await request.body.collect(upTo: 16 << 20)
            let spans = try Self.spans(Data(buffer: body))
            received.withLockedValue { $0 += spans }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        self.task = try await LocalHTTPServer.start(router, port: port)
    }

    func stop() { self.task.cancel() }
    func all() -> [Span] { self.received.withLockedValue { $0 } }
    func spans(in trace: String) -> [Span] { self.all().filter { $0.traceID == trace } }

    /// The spans of an ExportTraceServiceRequest in OTLP's JSON encoding; a malformed one fails the request.
    static func spans(_ data: Data) throws -> [Span] {
        guard let document = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let resources = document["resourceSpans"] as? [[String: Any]]
        else { throw TestSupportError("not an ExportTraceServiceRequest") }
        var spans: [Span] = []
        for resource in resources {
            let attributes = (resource["resource"] as? [String: Any])?["attributes"] as? [[String: Any]] ?? []
            let service =
                (attributes.first { $0["key"] as? String == "service.name" }?["value"] as? [String: Any])?[
                    "stringValue"] as? String ?? "?"
            for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scope["spans"] as? [[String: Any]] ?? [] {
                    guard let trace = span["traceId"] as? String, trace.count == 32,
                        let id = span["spanId"] as? String, id.count == 16, let name = span["name"] as? String,
                        let start = span["startTimeUnixNano"] as? String, let end = span["endTimeUnixNano"] as? String,
                        let startTime = UInt64(start), let endTime = UInt64(end), startTime <= endTime
                    else { throw TestSupportError("a span breaks OTLP's JSON encoding: \(span)") }
                    spans.append(
                        Span(
                            service: service, traceID: trace, spanID: id, name: name,
                            parentSpanID: span["parentSpanId"] as? String, kind: span["kind"] as? Int ?? 0))
                }
            }
        }
        return spans
    }
}
