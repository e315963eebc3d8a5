#if canImport(Glibc)
    import Glibc
#endif

/// Every address a host name has now (A and AAAA, through getaddrinfo: /etc/hosts and DNS alike), so
/// a client can spread calls over a service's replicas and notice new ones. Blocking: call it off the
/// event loops.
public enum NameResolver {
    /// nil when the name does not resolve; a numeric address resolves to itself.
    @Sendable public static func addresses(_ host: String, _ port: Int) -> [RPCEndpoint]? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(first) }
        var found: [RPCEndpoint] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let current = node {
            var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(
                current.pointee.ai_addr, current.pointee.ai_addrlen, &text, socklen_t(text.count), nil, 0,
                NI_NUMERICHOST) == 0
            {
                let endpoint = RPCEndpoint(
                    host: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self),
                    port: port)
                if !found.contains(endpoint) { found.append(endpoint) }
            }
            node = current.pointee.ai_next
        }
        return found.isEmpty ? nil : found
    }

    /// True for "10.1.2.3" or "::1": nothing to look up.
    static func isNumeric(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
