/// Limits and addresses of an RPC server. Every field has a default and an environment name
/// (docs/configuration.md); `ServiceRuntime` fills it from the environment.
public struct RPCServerConfiguration: Sendable {
    /// RPC_HOST: the address to listen on.
    public var host: String = "127.0.0.1"
    /// RPC_PORT: 0 picks a free port (tests).
    public var port: Int = 0
    /// RPC_MAX_FRAME_SIZE: largest frame payload accepted, in bytes; also the largest message.
    public var maxFrameSize: Int = 4 * 1024 * 1024
    /// RPC_MAX_CONCURRENT_CALLS: calls run at once per connection; more are answered RESOURCE_EXHAUSTED.
    public var maxConcurrentCalls: Int = 256
    /// RPC_DEFAULT_TIMEOUT_MS: the deadline of a call whose client sent none.
    public var defaultTimeout: Duration = .seconds(30)
    /// RPC_MAX_TIMEOUT_MS: longer deadlines sent by clients are shortened to this.
    public var maxTimeout: Duration = .seconds(24 * 3600)
    /// RPC_DRAIN_TIMEOUT_MS: how long a graceful shutdown waits for calls in flight before closing.
    public var drainTimeout: Duration = .seconds(25)
    /// How long a new connection may take to send its HELLO.
    public var handshakeTimeout: Duration = .seconds(5)
    /// Sent in HELLO.peer, for the other side's logs.
    public var peerName: String = "imageswiss"
    /// RPC_IDENTITY_KEY: when set, a call without a valid proof of its caller (RPCIdentity) is refused
    /// with UNAUTHENTICATED, except the health check.
    public var identity: RPCIdentity?
    /// RPC_IDENTITY_REQUIRED: false while identity is being turned on in a running deployment (clients
    /// of the previous release send no proof): a call without a proof is then accepted, one with a
    /// wrong proof is still refused.
    public var identityRequired = true

    public init(host: String = "127.0.0.1", port: Int = 0) {
        self.host = host
        self.port = port
    }
}
