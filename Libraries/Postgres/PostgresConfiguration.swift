/// Where a service's database is and how many connections it may hold.
public struct PostgresConfiguration: Sendable {
    /// DATABASE_URL: a postgresql:// URL or a libpq "key=value" string.
    public var url: String
    /// DATABASE_POOL_SIZE: most connections open at once (and threads for blocking libpq calls).
    public var poolSize: Int
    /// DATABASE_CONNECT_TIMEOUT_S: seconds libpq waits for a connection.
    public var connectTimeoutSeconds: Int
    /// Settings every connection starts its session with (`SET name = value` once connected), for a
    /// pool kept for the few statements that need them; names and values are letters, digits, `_`
    /// and `.`. Empty: the server's and the role's defaults.
    public var sessionSettings: [String: String] {
        didSet { Self.checkPlain(self.sessionSettings) }
    }

    public init(url: String, poolSize: Int = 8, connectTimeoutSeconds: Int = 5, sessionSettings: [String: String] = [:])
    {
        Self.checkPlain(sessionSettings)
        self.url = url
        self.poolSize = max(1, poolSize)
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.sessionSettings = sessionSettings
    }

    /// The URL with connect_timeout added unless it names one.
    var conninfo: String {
        guard !self.url.contains("connect_timeout") else { return self.url }
        if self.url.hasPrefix("postgres://") || self.url.hasPrefix("postgresql://") {
            return self.url + (self.url.contains("?") ? "&" : "?") + "connect_timeout=\(self.connectTimeoutSeconds)"
        }
        return self.url + " connect_timeout=\(self.connectTimeoutSeconds)"
    }

    /// The session settings as the statement a new connection runs first; nil when there are none.
    /// SET rather than libpq's `options`, which would replace any `options` the URL itself names.
    var sessionSetup: String? {
        guard !self.sessionSettings.isEmpty else { return nil }
        return self.sessionSettings.sorted { $0.key < $1.key }.map { "SET \($0.key) = \($0.value)" }.joined(
            separator: "; ")
    }

    /// Plain words need no quoting in a SET; anything else is a programming error.
    private static func checkPlain(_ settings: [String: String]) {
        precondition(
            settings.allSatisfy { Self.isPlain($0.key) && Self.isPlain($0.value) },
            "session settings are plain words: \(settings)")
    }

    private static func isPlain(_ word: String) -> Bool {
        !word.isEmpty
            && word.utf8.allSatisfy {
                $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || (48...57).contains($0) || (65...90).contains($0)
                    || (97...122).contains($0)
            }
    }
}
