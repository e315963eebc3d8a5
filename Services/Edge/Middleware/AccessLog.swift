import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import NIOConcurrencyHelpers
import ServiceRuntime
import Telemetry

/// What inner middleware learn about a request that the access log, outside them, needs: the
/// context is a value, so they write here (one box per request, made with the context).
final class RequestTrail: Sendable {
    private let caller = NIOLockedValueBox<String?>(nil)
    private let answeredRoute = NIOLockedValueBox<String?>(nil)
    var callerID: String? {
        get { self.caller.withLockedValue { $0 } }
        set { self.caller.withLockedValue { $0 = newValue } }
    }
    /// The route template of an answer given before the router (a cached transformation, FrontDoorMiddleware).
    var route: String? {
        get { self.answeredRoute.withLockedValue { $0 } }
        set { self.answeredRoute.withLockedValue { $0 = newValue } }
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

    func record(
        _ request: Request, _ context: Context, status: Int, bytes: Int?, requestID: String? = nil,
        started: ContinuousClock.Instant
    ) {
        let elapsed = ContinuousClock.now - started
        let route = context.endpointPath ?? context.trail.route ?? "unmatched"
        self.metrics.record(route: route, method: request.method.rawValue, status: status, elapsed: elapsed)
        guard self.enabled else { return }
        // Tenths of a millisecond, formatted by hand: String(format:) and Date.formatted were a
        // third of a cached transformation hit's cost (docs/performance.md).
        let tenths =
            Int(elapsed.components.seconds) * 10_000 + Int(elapsed.components.attoseconds / 100_000_000_000_000)
        let fields: KeyValuePairs<String, String?> = [
            "method": request.method.rawValue, "route": route,
            "status": "\(status)", "duration_ms": "\(tenths / 10).\(tenths % 10)", "bytes": bytes.map { "\($0)" },
            "request-id": requestID, "caller-id": context.trail.callerID, "trace-id": Telemetry.current?.traceID,
        ]
        let time = LogClock.shared.now()
        var line = ""
        line.reserveCapacity(256)
        if self.json {
            line += "{\"time\":\"\(time)\",\"level\":\"info\",\"service\":\"\(Self.label)\",\"message\":\"http\""
            for (name, value) in fields {
                if let value { line += ",\(Self.quoted(name)):\(Self.quoted(value))" }
            }
            line += "}"
        } else {
            line += "\(time) info \(Self.label) :"
            for (name, value) in fields {
                if let value { line += " \(name)=\(value)" }
            }
            line += " http"
        }
        self.lines.write(line)
    }

    /// A JSON string: the values are route templates, ids and numbers, but nothing is assumed.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
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
