import IPAddresses

/// Every endpoint a host name stands for now (IPAddresses' getaddrinfo lookup), so that a client can
/// spread calls over a service's replicas and notice new ones. Blocking: call it off the event loops.
public enum NameResolver {
    /// nil when the name does not resolve; a numeric address resolves to itself.
    @Sendable public static func addresses(_ host: String, _ port: Int) -> [RPCEndpoint]? {
        guard let addresses = try? NetworkAddress.lookUp(host), !addresses.isEmpty else { return nil }
        return addresses.map { RPCEndpoint(host: $0, port: port) }
    }

    /// True for "10.1.2.3" or "::1": nothing to look up.
    static func isNumeric(_ host: String) -> Bool { NetworkAddress.bytes(host) != nil }
}
