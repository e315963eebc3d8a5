import ImageSwissProtos
import RPC

/// Storage's errors, each with a stable reason the edge returns as its JSON error code.
enum StorageFailure {
    static func error(_ code: RPCStatusCode, _ reason: String, _ message: String, field: String? = nil) -> RPCError {
        .reasoned(code, domain: "storage", reason: reason, message, field: field)
    }

    /// Unknown ids and other owners' ids are the same answer: nobody learns another's ids exist.
    static func notFound(_ what: String) -> RPCError { error(.notFound, "not_found", "\(what) not found") }
    static func invalid(_ field: String, _ message: String) -> RPCError {
        error(.invalidArgument, "invalid_\(field)", message, field: field)
    }
    static let storageFull = error(.unavailable, "storage_full", "the storage is full; nothing was kept, retry later")
    static func backendUnavailable(_ detail: String) -> RPCError {
        error(.unavailable, "storage_unavailable", "the blob store did not answer (\(detail)); retry later")
    }
}
