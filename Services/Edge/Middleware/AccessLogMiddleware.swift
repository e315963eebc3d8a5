import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import ServiceRuntime

/// What inner middleware learn about a request that the access log, outside them, needs: the
/// context is a value, so they write here (one box per request, made with the context).
final class RequestTrail: Sendable {
    private let caller = NIOLockedValueBox<String?>(nil)
    var callerID: String? {
        get { self.caller.withLockedValue { $0 } }
        set { self.caller.withLockedValue { $0 = newValue } }
    }
}

/// One line per request, after it is answered: method, route template (never the path with its ids
/// or the query, which may carry a signed link's signature), status, bytes, duration, request id and
/// caller id. The outermost middleware, so that it sees every answer, errors included. Lines go
/// through ServiceRuntime's BufferedLines (not one write per line), in the process's LOG_FORMAT.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = EdgeRequestContext
    static let label = "imageswiss.edge.access"
    let json: Bool
    let lines: BufferedLines

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            self.log(
                request, context, status: response.status.code, bytes: response.body.contentLength,
                requestID: response.headers[RequestIDMiddleware<Context>.headerName], started: started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            self.log(request, context, status: status, bytes: nil, requestID: nil, started: started)
            throw error
        }
    }

    private func log(
        _ request: Request, _ context: Context, status: Int, bytes: Int?, requestID: String?,
        started: ContinuousClock.Instant
    ) {
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        var fields: [(String, String)] = [
            ("method", request.method.rawValue), ("route", context.endpointPath ?? "unmatched"),
            ("status", "\(status)"),
            ("duration_ms", String(format: "%.1f", milliseconds)),
        ]
        if let bytes { fields.append(("bytes", "\(bytes)")) }
        if let requestID { fields.append(("request-id", requestID)) }
        if let caller = context.trail.callerID { fields.append(("caller-id", caller)) }
        let time = Date().formatted(.iso8601)
        if self.json {
            let all = [("time", time), ("level", "info"), ("service", Self.label), ("message", "http")] + fields
            self.lines.write("{" + all.map { "\(Self.quoted($0.0)):\(Self.quoted($0.1))" }.joined(separator: ",") + "}")
        } else {
            self.lines.write(
                "\(time) info \(Self.label) : " + fields.map { "\($0.0)=\($0.1)" }.joined(separator: " ") + " http")
        }
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
