import ImageSwissProtos
import RPC
import ServiceRuntime

/// Auth's errors (ServiceRuntime's ServiceFailure, domain "auth"), each with a stable reason the edge
/// returns in its JSON errors.
let failure = ServiceFailure(domain: "auth")

extension ServiceFailure {
    /// The one answer for unknown user, wrong password, locked and disabled accounts.
    var invalidCredentials: RPCError {
        self.error(
            .unauthenticated, "invalid_credentials", "the email or password is wrong, or the account cannot sign in now"
        )
    }
    var unauthenticated: RPCError {
        self.error(.unauthenticated, "unauthenticated", "this call needs a signed-in caller")
    }
    var invalidRefreshToken: RPCError {
        self.error(.unauthenticated, "invalid_refresh_token", "the refresh token is unknown, used, revoked or expired")
    }
    var invalidEmailToken: RPCError {
        self.error(.invalidArgument, "invalid_token", "the link is unknown, used or expired", field: "token")
    }
    var wrongPassword: RPCError {
        self.error(.permissionDenied, "wrong_password", "the current password is wrong", field: "current_password")
    }
    var emailTaken: RPCError {
        self.error(.alreadyExists, "email_taken", "an account with this email exists", field: "email")
    }
    var busy: RPCError { self.error(.resourceExhausted, "busy", "too many sign-ins at once; retry shortly") }
}
