import Foundation

/// How a client connects, waits and retries. Every field has a default.
public struct RPCClientConfiguration: Sendable {
    /// The deadline of a call whose options name none.
    public var defaultTimeout: Duration = .seconds(10)
    /// Largest frame payload this client accepts from a server (sent in HELLO).
    public var maxFrameSize: Int = 4 * 1024 * 1024
    /// TCP connect plus HELLO exchange.
    public var connectTimeout: Duration = .seconds(3)
    /// First wait after a failed connect; doubles per failure up to `maxReconnectBackoff`.
    public var initialReconnectBackoff: Duration = .milliseconds(50)
    public var maxReconnectBackoff: Duration = .seconds(5)
    /// Attempts an idempotent call gets when it fails with UNAVAILABLE (1 = no retry).
    public var maxAttempts: Int = 3
    /// First pause between attempts of an idempotent call; doubles, with jitter.
    public var retryBackoff: Duration = .milliseconds(50)
    /// Sent in HELLO.peer.
    public var peerName: String = "imageswiss-client"
    /// Signs every call's metadata (RPCIdentity), for servers that require proof of the caller.
    public var identity: RPCIdentity?
    /// How often endpoint names are resolved again (every A/AAAA record becomes an endpoint); zero: never.
    public var resolveInterval: Duration = .seconds(30)
    /// Turns a name and port into the endpoints behind it (nil: unknown now). getaddrinfo by default;
    /// another discovery (or a test) may supply its own.
    public var resolver: @Sendable (_ host: String, _ port: Int) -> [RPCEndpoint]? = NameResolver.addresses
    /// A connection older than this (give or take 10 %, so clients do not reconnect in step) takes no
    /// new calls and closes once its calls finish; the next call connects afresh, so behind one
    /// virtual address (a Kubernetes Service) new replicas get their share. Zero: connections live on.
    public var maxConnectionAge: Duration = .seconds(300)

    public init() {}
}

/// Per-call settings.
public struct RPCCallOptions: Sendable {
    /// nil: the client's `defaultTimeout`.
    public var timeout: Duration?
    public var metadata: RPCMetadata

    public init(timeout: Duration? = nil, metadata: RPCMetadata = [:]) {
        self.timeout = timeout
        self.metadata = metadata
    }
}

/// One address of a service.
public struct RPCEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses "host:port,host:port" (the form of the *_RPC_ADDRESSES variables).
    public static func list(_ text: String) throws -> [RPCEndpoint] {
        let endpoints = try text.split(separator: ",").map { item -> RPCEndpoint in
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            guard let colon = trimmed.lastIndex(of: ":"), let port = Int(trimmed[trimmed.index(after: colon)...]),
                (1...65535).contains(port), colon != trimmed.startIndex
            else { throw RPCError(.invalidArgument, "not a host:port address: '\(trimmed)'") }
            return RPCEndpoint(host: String(trimmed[..<colon]), port: port)
        }
        guard !endpoints.isEmpty else { throw RPCError(.invalidArgument, "no address given") }
        return endpoints
    }

    public var description: String { "\(self.host):\(self.port)" }
}
