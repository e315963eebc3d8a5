import Curl
import Foundation
import Synchronization
import Tracing

/// Ended spans, sent in batches to an OTLP/HTTP endpoint (`POST …/v1/traces`, JSON encoding) over
/// libcurl, like every outbound call of ours. A full queue drops new spans (counted), never blocks
/// a request; an endpoint that is down loses those batches, never the service's work.
public final class SpanExporter: Sendable {
    public struct Settings: Sendable {
        /// The traces URL (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces).
        public var url: String
        /// `service.name` of every span (OTEL_SERVICE_NAME; default imageswiss-<service>).
        public var service: String
        /// OTEL_BSP_SCHEDULE_DELAY: the longest a span waits to be sent (ms, default 5000).
        public var delay: Duration = .milliseconds(5000)
        /// OTEL_BSP_MAX_QUEUE_SIZE: spans kept while waiting (default 2048).
        public var maxQueue = 2048
        /// OTEL_BSP_MAX_EXPORT_BATCH_SIZE: spans per request (default 512).
        public var maxBatch = 512
        /// OTEL_EXPORTER_OTLP_TIMEOUT: one export's time limit (ms, default 10000).
        public var timeout: Duration = .milliseconds(10_000)
        /// The share of new traces recorded (OTEL_TRACES_SAMPLER=parentbased_traceidratio or
        /// traceidratio with OTEL_TRACES_SAMPLER_ARG; default 1, every trace). A trace continued from
        /// a caller keeps the caller's decision; one not recorded still carries its context onward.
        public var sampleRatio = 1.0

        public init(url: String, service: String) {
            self.url = url
            self.service = service
        }
    }

    let settings: Settings
    private let curl: CurlClient
    private let queue = Mutex<Queue>(Queue())
    private let wake: AsyncStream<Void>.Continuation
    private let signals: AsyncStream<Void>

    struct Queue {
        var spans: [FinishedSpan] = []
        var dropped = 0
    }

    public init(_ settings: Settings, curl: CurlClient = CurlClient(threads: 1)) {
        self.settings = settings
        self.curl = curl
        (self.signals, self.wake) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Spans dropped because the queue was full, since the start.
    public var dropped: Int { self.queue.withLock { $0.dropped } }

    func add(_ span: FinishedSpan) {
        let full = self.queue.withLock { queue -> Bool in
            guard queue.spans.count < self.settings.maxQueue else {
                queue.dropped += 1
                return false
            }
            queue.spans.append(span)
            return queue.spans.count >= self.settings.maxBatch
        }
        if full { self.wake.yield() }
    }

    func flushSoon() { self.wake.yield() }

    /// Sends what is queued every `delay`, or at once when a batch is full, until cancelled; then
    /// sends what is left.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in self.signals { await self.flush() }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: self.settings.delay)
                    self.wake.yield()
                }
            }
            await withTaskCancellationHandler {
                await group.next()
            } onCancel: {
                self.wake.finish()
            }
            group.cancelAll()
        }
        await self.flush()
    }

    /// Sends every queued span, a batch per request.
    public func flush() async {
        while true {
            let batch = self.queue.withLock { queue -> [FinishedSpan] in
                let taken = Array(queue.spans.prefix(self.settings.maxBatch))
                queue.spans.removeFirst(taken.count)
                return taken
            }
            guard !batch.isEmpty else { return }
            let body = OTLPTraceJSON.encode(batch, service: self.settings.service)
            _ = try? await self.curl.send(
                CurlRequest(
                    method: "POST", url: self.settings.url, headers: [("Content-Type", "application/json")],
                    body: body, timeout: self.settings.timeout))
        }
    }
}
