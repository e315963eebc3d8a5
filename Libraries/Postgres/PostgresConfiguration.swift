/// Where a service's database is and how many connections it may hold.
public struct PostgresConfiguration: Sendable {
    /// DATABASE_URL: a postgresql:// URL or a libpq "key=value" string.
    public var url: String
    /// DATABASE_POOL_SIZE: most connections open at once (and threads for blocking libpq calls).
    public var poolSize: Int
    /// DATABASE_CONNECT_TIMEOUT_S: seconds libpq waits for a connection.
    public var connectTimeoutSeconds: Int

    public init(url: String, poolSize: Int = 8, connectTimeoutSeconds: Int = 5) {
        self.url = url
        self.poolSize = max(1, poolSize)
        self.connectTimeoutSeconds = connectTimeoutSeconds
    }

    /// The URL with connect_timeout added unless it names one.
    var conninfo: String {
        guard !self.url.contains("connect_timeout") else { return self.url }
        if self.url.hasPrefix("postgres://") || self.url.hasPrefix("postgresql://") {
            return self.url + (self.url.contains("?") ? "&" : "?") + "connect_timeout=\(self.connectTimeoutSeconds)"
        }
        return self.url + " connect_timeout=\(self.connectTimeoutSeconds)"
    }
}
