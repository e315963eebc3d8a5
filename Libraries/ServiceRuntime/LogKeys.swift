import RPC

/// Metadata keys every service's log lines share.
public enum LogKeys {
    /// The id of the HTTP request a line belongs to, in every service it reaches (RPC metadata).
    public static let requestID = RPCMetadata.requestID
    /// Hummingbird's key for the id it gives each HTTP request's logger. The edge keeps that id as
    /// the request's own (not a second key set on every request, docs/performance.md "Edge /me"),
    /// and the log handlers write the key as `request-id`, so one search finds a request everywhere.
    public static let hummingbirdRequestID = "hb.request.id"

    /// The key as a log line writes it.
    static func written(_ key: String) -> String { key == Self.hummingbirdRequestID ? Self.requestID : key }
}
