import ServiceRuntime
import Synchronization

/// The edge's own settings, read through ServiceConfiguration at start like every service's: a
/// malformed value stops the edge instead of quietly becoming the default.
struct EdgeSettings: Sendable {
    /// JSON bodies larger than this are refused with 413 before they are read whole
    /// (EDGE_MAX_JSON_BODY_BYTES, 1 MiB). Uploads have their own limit.
    var maxJSONBodyBytes = 1 << 20
    /// How long `GET /me` answers are reused (EDGE_ACCOUNT_CACHE_MS, 2 s; 0 turns the cache off).
    var accountCacheLifetime = Duration.milliseconds(2_000)
    /// Session cookies carry `Secure` (EDGE_COOKIE_SECURE, true; false only for plain-HTTP development
    /// on a non-localhost name).
    var secureCookies = true

    init() {}

    init(_ configuration: ServiceConfiguration) throws {
        let defaults = EdgeSettings()
        self.maxJSONBodyBytes = try configuration.int("MAX_JSON_BODY_BYTES", default: defaults.maxJSONBodyBytes)
        guard self.maxJSONBodyBytes > 0 else { throw ConfigurationError("MAX_JSON_BODY_BYTES must be positive") }
        self.accountCacheLifetime = try configuration.milliseconds(
            "ACCOUNT_CACHE_MS", default: defaults.accountCacheLifetime)
        self.secureCookies = try configuration.bool("COOKIE_SECURE", default: defaults.secureCookies)
    }

    /// What request contexts and the cookie helpers read, which Hummingbird builds without the
    /// application's configuration: set once by `EdgeHTTPServer.router` before anything is served.
    static let current = Mutex(EdgeSettings())
}
