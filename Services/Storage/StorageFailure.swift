import ImageSwissProtos
import RPC
import ServiceRuntime

/// Storage's errors (ServiceRuntime's ServiceFailure, domain "storage"), each with a stable reason the
/// edge returns as its JSON error code.
let failure = ServiceFailure(domain: "storage")

extension ServiceFailure {
    var storageFull: RPCError {
        self.error(.unavailable, "storage_full", "the storage is full; nothing was kept, retry later")
    }
    func backendUnavailable(_ detail: String) -> RPCError {
        self.error(.unavailable, "storage_unavailable", "the blob store did not answer (\(detail)); retry later")
    }
}
