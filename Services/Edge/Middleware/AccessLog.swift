import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import NIOConcurrencyHelpers
import ServiceRuntime
import Synchronization
import Telemetry

/// What the access log, outside CallerMiddleware, needs to learn from it: the context is a value,
/// so the caller's id is written here (one box per request, made with the context).
final class RequestTrail: Sendable {
    private let caller = Mutex<String?>(nil)
    var callerID: String? {
        get { self.caller.withLock { $0 } }
        set { self.caller.withLock { $0 = newValue } }
    }
}

/// One line per request, after it is answered: method, route template (never the path with its ids
/// or the query, which may carry a signed link's signature), status, bytes, duration, request id and
/// caller id. FrontDoorMiddleware, the outermost, records every answer, errors included. Lines go
/// through ServiceRuntime's BufferedLines (not one write per line), in the process's LOG_FORMAT.
/// It also records the HTTP metrics (HTTPMetrics), with the log on or off (EDGE_ACCESS_LOG).
struct AccessLog: Sendable {
    typealias Context = EdgeRequestContext
    static let label = "imageswiss.edge.access"
    let json: Bool
    let lines: BufferedLines
    var enabled = true
    let metrics = HTTPMetrics()

    /// `route` names an answer given before the router (a cached transformation); otherwise the
    /// route the router matched, or "unmatched".
    func record(
        _ request: Request, _ context: Context, status: Int, bytes: Int?, requestID: String? = nil,
        route: String? = nil, started: ContinuousClock.Instant
    ) {
        let elapsed = ContinuousClock.now - started
        let route = route ?? context.endpointPath ?? "unmatched"
        self.metrics.record(route: route, method: request.method.rawValue, status: status, elapsed: elapsed)
        guard self.enabled else { return }
        // Tenths of a millisecond, formatted by hand: String(format:) and Date.formatted were a
        // third of a cached transformation hit's cost (docs/performance.md).
        let tenths =
            Int(elapsed.components.seconds) * 10_000 + Int(elapsed.components.attoseconds / 100_000_000_000_000)
        var line = Line(json: self.json, capacity: 256)
        line.start(time: LogClock.shared.now(), label: Self.label)
        line.field("method", request.method.rawValue)
        line.field("route", route)
        line.field("status", status)
        line.field("duration_ms", "\(tenths / 10).\(tenths % 10)")
        if let bytes { line.field("bytes", bytes) }
        if let requestID { line.field("request-id", requestID) }
        if let caller = context.trail.callerID { line.field("caller-id", caller) }
        if let trace = Telemetry.current?.traceID { line.field("trace-id", trace) }
        self.lines.write(line.finish())
    }

    /// One access line, written field by field in the text or the JSON layout (no intermediate
    /// list of fields: building one was most of the line's cost, docs/performance.md "Edge /me").
    struct Line {
        let json: Bool
        var text = ""

        init(json: Bool, capacity: Int) {
            self.json = json
            self.text.reserveCapacity(capacity)
        }

        mutating func start(time: String, label: String) {
            if self.json {
                self.text += "{\"time\":\"\(time)\",\"level\":\"info\",\"service\":\"\(label)\",\"message\":\"http\""
            } else {
                self.text += "\(time) info \(label) :"
            }
        }

        mutating func field(_ name: String, _ value: String) {
            if self.json {
                self.text += ","
                AccessLog.appendQuoted(name, to: &self.text)
                self.text += ":"
                AccessLog.appendQuoted(value, to: &self.text)
            } else {
                self.text += " "
                self.text += name
                self.text += "="
                self.text += value
            }
        }

        mutating func field(_ name: String, _ value: Int) { self.field(name, String(value)) }

        mutating func finish() -> String {
            self.text += self.json ? "}" : " http"
            return self.text
        }
    }

    /// `text` as a JSON string: the values are route templates, ids and numbers, but nothing is assumed.
    static func appendQuoted(_ text: String, to out: inout String) {
        out += "\""
        // Most values need no escape: append them whole.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            out += text
        } else {
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
                default: out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

/// The current second as ISO 8601 (`2026-12-07T00:58:12Z`), formatted once per second.
final class LogClock: Sendable {
    static let shared = LogClock()
    private let current = NIOLockedValueBox<(second: Int, text: String)>((-1, ""))

    func now() -> String {
        let second = Int(Date().timeIntervalSince1970)
        return self.current.withLockedValue { current in
            if current.second != second {
                current = (second, Date(timeIntervalSince1970: Double(second)).formatted(.iso8601))
            }
            return current.text
        }
    }
}

/// `imageswiss_http_requests_total{route, method, status}` and
/// `imageswiss_http_request_duration_seconds{route}`: by route template, never by path (ids would
/// make a series per file).
final class HTTPMetrics: Sendable {
    private struct Key: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    private let counters = NIOLockedValueBox([Key: Counter]())
    private let timers = NIOLockedValueBox([String: Timer]())

    func record(route: String, method: String, status: Int, elapsed: Duration) {
        let key = Key(route: route, method: method, status: status)
        let counter = self.counters.withLockedValue { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(
                label: PlatformMetrics.httpRequests,
                dimensions: [("route", route), ("method", method), ("status", "\(status)")])
            counters[key] = counter
            return counter
        }
        let timer = self.timers.withLockedValue { timers in
            if let timer = timers[route] { return timer }
            let timer = Timer(label: PlatformMetrics.httpRequestDuration, dimensions: [("route", route)])
            timers[route] = timer
            return timer
        }
        counter.increment()
        timer.recordNanoseconds(PlatformMetrics.nanoseconds(elapsed))
    }
}
