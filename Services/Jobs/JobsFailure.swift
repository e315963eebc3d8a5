import ImageSwissProtos
import RPC
import ServiceRuntime

/// Jobs' errors (ServiceRuntime's ServiceFailure, domain "jobs"), each with a stable reason the edge
/// returns as its JSON error code.
let failure = ServiceFailure(domain: "jobs")

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

    /// The prefix of a failure a provider's content policy decided: the job fails with it, its hold
    /// is released, and the owner reads why.
    static let contentRefused = "content_refused"

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
