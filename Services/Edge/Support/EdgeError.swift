import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import Logging
import RPC

/// Every error the edge returns: a status and
/// `{"error": {"code": "...", "message": "...", "field": "...", "request_id": "..."}}`.
struct EdgeError: HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    var field: String?
    /// Extra headers of the answer (Retry-After).
    var headers: HTTPFields = [:]

    init(
        _ status: HTTPResponse.Status, _ code: String, _ message: String, field: String? = nil,
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var error: [String: String] = ["code": self.code, "message": self.message]
        if let field { error["field"] = field }
        if let id = context.requestID { error["request_id"] = id }
        let body = try JSONSerialization.data(withJSONObject: ["error": error], options: [.sortedKeys])
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: self.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// An internal service's answer, as HTTP: the status by the gRPC code's usual mapping, the code
    /// from the service's ErrorInfo reason.
    init(_ error: RPCError) {
        let status: HTTPResponse.Status =
            switch error.code {
            case .invalidArgument, .outOfRange: .badRequest
            case .unauthenticated: .unauthorized
            case .permissionDenied: .forbidden
            case .notFound: .notFound
            case .alreadyExists, .aborted: .conflict
            case .failedPrecondition: .conflict
            case .resourceExhausted: .tooManyRequests
            case .unavailable: .serviceUnavailable
            case .deadlineExceeded: .gatewayTimeout
            case .unimplemented: .notImplemented
            default: .internalServerError
            }
        let reason = error.detail(CommonErrorInfo.self)?.reason
        // Some reasons have a more precise HTTP status than their RPC code's usual mapping.
        let precise: HTTPResponse.Status? =
            switch reason {
            case "file_too_large", "quota_exceeded", "archive_too_large": .contentTooLarge
            case "storage_full": HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
            case "range_not_satisfiable": .rangeNotSatisfiable
            case "insufficient_credits": HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required")
            default: nil
            }
        let field = error.detail(CommonBadRequest.self)?.fieldViolations.first?.field
        // Internal failures say nothing about the inside.
        let internalFailure = status == .internalServerError
        self.init(
            precise ?? status, reason ?? (internalFailure ? "internal" : "\(error.code)".lowercased()),
            internalFailure ? "something went wrong on our side" : error.message, field: field)
    }
}

/// Whatever a route throws, as the EdgeError the edge answers with (FrontDoorMiddleware renders
/// it): RPC errors by their code, body decoding failures as 400, Hummingbird's own errors (413,
/// 404…) with their status, anything else as a 500 that says nothing about the inside.
extension EdgeError {
    static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .contentTooLarge: "body_too_large"
        // Hummingbird's request.decode reports undecodable JSON as a plain 400.
        case .badRequest: "invalid_json"
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        default: "http_\(status.code)"
        }
    }

    static func translating(_ error: any Error, logger: Logger) -> EdgeError {
        switch error {
        case let error as EdgeError:
            return error
        case let error as RPCError:
            let translated = EdgeError(error)
            if translated.status == .internalServerError {
                logger.error("internal service failed", metadata: ["error": "\(error)"])
            }
            return translated
        case is DecodingError:
            return EdgeError(
                .badRequest, "invalid_json", "the body is not the JSON this route expects (UTF-8, fields and types)")
        case let error as HTTPError:
            return EdgeError(error.status, Self.code(for: error.status), error.body ?? error.status.reasonPhrase)
        case let error as HTTPResponseError:
            // Hummingbird's and NIO's own errors (NIOTooManyBytesError for a body over the limit…).
            return EdgeError(error.status, Self.code(for: error.status), error.status.reasonPhrase)
        default:
            logger.error("route failed", metadata: ["error": "\(error)"])
            return EdgeError(.internalServerError, "internal", "something went wrong on our side")
        }
    }
}
