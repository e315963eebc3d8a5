/// Where a service's database is and how many connections it may hold.
public struct PostgresConfiguration: Sendable {
    /// DATABASE_URL: a postgresql:// URL or a libpq "key=value" string.
    public var url: String
    /// DATABASE_POOL_SIZE: most connections open at once (and threads for blocking libpq calls).
    public var poolSize: Int
    /// DATABASE_CONNECT_TIMEOUT_S: seconds libpq waits for a connection.
    public var connectTimeoutSeconds: Int
    /// Settings every connection starts its session with (libpq's `options`, `-c name=value`), for a
    /// pool kept for the few statements that need them; names and values are letters, digits, `_`
    /// and `.`. Empty: the server's and the role's defaults.
    public var sessionSettings: [String: String] {
        didSet { Self.checkPlain(self.sessionSettings) }
    }

    public init(url: String, poolSize: Int = 8, connectTimeoutSeconds: Int = 5, sessionSettings: [String: String] = [:]) {
        Self.checkPlain(sessionSettings)
        self.url = url
        self.poolSize = max(1, poolSize)
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.sessionSettings = sessionSettings
    }

    /// The URL with connect_timeout added unless it names one, and the session settings as `options`.
    var conninfo: String {
        var parameters: [(String, String)] = []
        if !self.url.contains("connect_timeout") { parameters.append(("connect_timeout", "\(self.connectTimeoutSeconds)")) }
        if !self.sessionSettings.isEmpty {
            parameters.append(("options", self.sessionSettings.sorted { $0.key < $1.key }.map { "-c \($0.key)=\($0.value)" }.joined(separator: " ")))
        }
        guard !parameters.isEmpty else { return self.url }
        if self.url.hasPrefix("postgres://") || self.url.hasPrefix("postgresql://") {
            // A URL's query: spaces and '=' inside a value are percent-encoded (libpq decodes them).
            let query = parameters.map { name, value in
                "\(name)=" + value.map { $0 == " " ? "%20" : $0 == "=" ? "%3D" : String($0) }.joined()
            }
            return self.url + (self.url.contains("?") ? "&" : "?") + query.joined(separator: "&")
        }
        return self.url + parameters.map { " \($0.0)='\($0.1)'" }.joined()
    }

    /// Plain words need no quoting in either form of `conninfo`; anything else is a programming error.
    private static func checkPlain(_ settings: [String: String]) {
        precondition(settings.allSatisfy { Self.isPlain($0.key) && Self.isPlain($0.value) }, "session settings are plain words: \(settings)")
    }

    private static func isPlain(_ word: String) -> Bool {
        !word.isEmpty && word.utf8.allSatisfy { $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }
    }
}
