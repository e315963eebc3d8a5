import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers

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
/// caller id. The outermost middleware, so that it sees every answer, errors included.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = EdgeRequestContext
    let logger: Logger

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
        var metadata: Logger.Metadata = [
            "method": "\(request.method.rawValue)", "route": "\(context.endpointPath ?? "unmatched")",
            "status": "\(status)", "duration_ms": "\(String(format: "%.1f", milliseconds))",
        ]
        if let bytes { metadata["bytes"] = "\(bytes)" }
        if let requestID { metadata["request-id"] = "\(requestID)" }
        if let caller = context.trail.callerID { metadata["caller-id"] = "\(caller)" }
        self.logger.info("http", metadata: metadata)
    }
}
