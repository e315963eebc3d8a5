import ImageSwissProtos
import RPC

/// Auth's errors, each with a stable reason the edge returns in its JSON errors.
enum AuthFailure {
    static func error(_ code: RPCStatusCode, _ reason: String, _ message: String, field: String? = nil) -> RPCError {
        .reasoned(code, domain: "auth", reason: reason, message, field: field)
    }

    static func invalid(_ field: String, _ message: String) -> RPCError {
        self.error(.invalidArgument, "invalid_\(field)", message, field: field)
    }

    /// The one answer for unknown user, wrong password, locked and disabled accounts.
    static let invalidCredentials = error(
        .unauthenticated, "invalid_credentials", "the email or password is wrong, or the account cannot sign in now")
    static let unauthenticated = error(.unauthenticated, "unauthenticated", "this call needs a signed-in caller")
    static let adminOnly = error(.permissionDenied, "admin_only", "this call is for administrators")
    static let invalidRefreshToken = error(
        .unauthenticated, "invalid_refresh_token", "the refresh token is unknown, used, revoked or expired")
    static let invalidEmailToken = error(
        .invalidArgument, "invalid_token", "the link is unknown, used or expired", field: "token")
    static let wrongPassword = error(
        .permissionDenied, "wrong_password", "the current password is wrong", field: "current_password")
    static let emailTaken = error(.alreadyExists, "email_taken", "an account with this email exists", field: "email")
    static let busy = error(.resourceExhausted, "busy", "too many sign-ins at once; retry shortly")

    static func notFound(_ what: String) -> RPCError { error(.notFound, "not_found", "\(what) not found") }
    static func internalError(_ message: String) -> RPCError { RPCError(.internal, message) }
}
