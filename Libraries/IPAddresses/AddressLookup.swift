#if canImport(Glibc)
    import Glibc
#endif

extension NetworkAddress {
    /// Every address `host` has now (getaddrinfo: /etc/hosts and DNS, A and AAAA records), as
    /// numeric text in the resolver's order, each once. Blocking: call it off the event loops.
    public static func lookUp(_ host: String) throws(AddressLookupFailure) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &result)
        guard status == 0, let first = result else {
            throw AddressLookupFailure(host: host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(
                current.pointee.ai_addr, current.pointee.ai_addrlen, &text, socklen_t(text.count), nil, 0,
                NI_NUMERICHOST) == 0
            {
                let address = String(cString: text)
                if !addresses.contains(address) { addresses.append(address) }
            }
            entry = current.pointee.ai_next
        }
        return addresses
    }
}

public struct AddressLookupFailure: Error, CustomStringConvertible {
    public let host: String
    public let reason: String
    public var description: String { "cannot resolve \(self.host): \(self.reason)" }
}
