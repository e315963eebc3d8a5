import ImageSwissProtos
import RPC
import ServiceRuntime

/// Billing's errors (ServiceRuntime's ServiceFailure, domain "billing"), each with a stable reason the
/// edge returns as its JSON error code.
let failure = ServiceFailure(domain: "billing")

extension ServiceFailure {
    func insufficientCredits(needed: Int64, available: Int64) -> RPCError {
        self.error(
            .failedPrecondition, "insufficient_credits", "this needs \(needed) credits; \(available) are available")
    }
}
