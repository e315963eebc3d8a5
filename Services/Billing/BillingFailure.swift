import ImageSwissProtos
import RPC

/// Billing's errors, each with a stable reason the edge returns as its JSON error code.
enum BillingFailure {
    static func error(_ code: RPCStatusCode, _ reason: String, _ message: String, field: String? = nil) -> RPCError {
        .reasoned(code, domain: "billing", reason: reason, message, field: field)
    }

    static func invalid(_ field: String, _ message: String) -> RPCError {
        error(.invalidArgument, "invalid_\(field)", message, field: field)
    }
    static func notFound(_ what: String) -> RPCError { error(.notFound, "not_found", "\(what) not found") }
    static func insufficientCredits(needed: Int64, available: Int64) -> RPCError {
        error(.failedPrecondition, "insufficient_credits", "this needs \(needed) credits; \(available) are available")
    }
    static let adminOnly = error(.permissionDenied, "admin_only", "this call is for administrators")
}
