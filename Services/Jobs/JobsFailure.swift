import ImageSwissProtos
import RPC

/// Jobs' errors, each with a stable reason the edge returns as its JSON error code.
enum JobsFailure {
    static func error(_ code: RPCStatusCode, _ reason: String, _ message: String, field: String? = nil) -> RPCError {
        .reasoned(code, domain: "jobs", reason: reason, message, field: field)
    }

    static func invalid(_ field: String, _ message: String) -> RPCError {
        error(.invalidArgument, "invalid_\(field)", message, field: field)
    }
    static func notFound(_ what: String) -> RPCError { error(.notFound, "not_found", "\(what) not found") }
    static let adminOnly = error(.permissionDenied, "admin_only", "this call is for administrators")
}

/// Why a run of a job did not succeed, and whether another attempt may.
struct JobRunError: Error, CustomStringConvertible {
    let description: String
    /// Worth another attempt (a service or provider was unavailable, overloaded or slow).
    let retryable: Bool
    /// The provider's Retry-After, when it gave one.
    var retryAfter: Duration?
    /// False when a service was merely saturated (RESOURCE_EXHAUSTED): the run is retried without
    /// spending one of the job's attempts, so a busy ImageOps never fails jobs.
    var consumesAttempt = true

    static func permanent(_ message: String) -> JobRunError { JobRunError(description: message, retryable: false) }
    static func transient(_ message: String, retryAfter: Duration? = nil) -> JobRunError {
        JobRunError(description: message, retryable: true, retryAfter: retryAfter)
    }

    /// An RPC failure of ImageOps or Storage: their refusals of the input are final, outages are not.
    static func from(_ error: any Error, during what: String) -> JobRunError {
        if let run = error as? JobRunError { return run }
        if let rpc = error as? RPCError {
            switch rpc.code {
            case .resourceExhausted:
                // ImageOps saturated: it says when to come back.
                let wait = rpc.detail(CommonRetryInfo.self).map { Duration.milliseconds(Int64($0.retryAfterMillis)) }
                var error = JobRunError.transient("\(what): \(rpc.message)", retryAfter: wait ?? .milliseconds(200))
                error.consumesAttempt = false
                return error
            case .unavailable, .deadlineExceeded, .aborted, .internal, .unknown:
                return .transient("\(what): \(rpc.message)")
            default:
                return .permanent("\(what): \(rpc.message)")
            }
        }
        return .transient("\(what): \(error)")
    }
}
