#if canImport(Glibc)
    import Glibc
#endif

/// Numeric IP addresses and whether one is inside: the ranges an outbound call to a user's URL
/// must never reach (loopback, private, link-local and cloud metadata, CGNAT, unspecified,
/// multicast and reserved; IPv4-mapped and NAT64 IPv6 judged by the IPv4 they carry).
public enum NetworkAddress {
    /// The address's bytes (4 or 16), or nil when `text` is not a numeric address.
    public static func bytes(_ text: String) -> [UInt8]? {
        let bare = text.hasPrefix("[") && text.hasSuffix("]") ? String(text.dropFirst().dropLast()) : text
        var v4 = in_addr()
        if inet_pton(AF_INET, bare, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, bare, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// True for an address inside (see above); nil for text that is no numeric address.
    public static func isInternal(_ text: String) -> Bool? {
        guard let bytes = Self.bytes(text) else { return nil }
        return bytes.count == 4 ? Self.isInternalV4(bytes) : Self.isInternalV6(bytes)
    }

    static func isInternalV4(_ b: [UInt8]) -> Bool {
        switch (b[0], b[1]) {
        case (0, _), (10, _), (127, _), (169, 254), (192, 168), (172, 16...31), (100, 64...127), (198, 18...19):
            return true
        case (192, 0) where b[2] == 0: return true  // IETF protocol assignments
        case (224...255, _): return true  // multicast, reserved, broadcast
        default: return false
        }
    }

    static func isInternalV6(_ b: [UInt8]) -> Bool {
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF {
            return Self.isInternalV4(Array(b[12..<16]))
        }  // ::ffff:a.b.c.d
        // 64:ff9b::/96
        if b[0..<12] == [0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] { return Self.isInternalV4(Array(b[12..<16])) }
        if b[0..<15].allSatisfy({ $0 == 0 }) { return true }  // :: and ::1
        if b[0] & 0xFE == 0xFC { return true }  // fc00::/7 unique local (fd00:ec2::254 among them)
        if b[0] == 0xFE && b[1] & 0xC0 == 0x80 { return true }  // fe80::/10 link-local
        if b[0] == 0xFF { return true }  // multicast
        return false
    }
}
