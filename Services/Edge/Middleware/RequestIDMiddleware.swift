import Foundation
import HTTPTypes
import Hummingbird

/// Gives every request an id: the caller's `X-Request-Id` when it is a sane token, a new one otherwise.
/// The id is echoed in the response and goes into the request's logger metadata, where every log
/// line and every RPC call of the request (`RequestContext.requestID`) picks it up.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    static var headerName: HTTPField.Name { HTTPField.Name("X-Request-Id")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let supplied = request.headers[Self.headerName]
        let id = supplied.flatMap { Self.isAcceptable($0) ? $0 : nil } ?? UUID().uuidString.lowercased()
        var context = context
        context.logger[metadataKey: "request-id"] = "\(id)"
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPResponseError {
            // Rendered here, where the context knows the id: the error's JSON names it too.
            response = try error.response(from: request, context: context)
            SecurityHeadersMiddleware<Context>.apply(&response.headers)
        }
        response.headers[Self.headerName] = id
        return response
    }

    /// Up to 128 characters of letters, digits, '-', '_' and '.': nothing that could forge a log line.
    static func isAcceptable(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 128
            && id.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            }
    }
}

extension RequestContext {
    /// The id RequestIDMiddleware settled on for this request, to pass on in RPC metadata.
    var requestID: String? { self.logger[metadataKey: "request-id"].map { "\($0)" } }
}
