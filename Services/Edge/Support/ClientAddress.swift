import HTTPTypes
import IPAddresses

/// Which address a request comes from. The TCP peer, unless the peer is a trusted proxy
/// (EDGE_TRUSTED_PROXIES, CIDR list, empty by default): then the hops a proxy recorded are walked
/// from the right, and the first hop that is not itself a trusted proxy is the client. Hops to its
/// left were written by the client and prove nothing. `Forwarded` (RFC 7239) is read when present,
/// else `X-Forwarded-For`; rate limits, sign-in throttles and sign-in history all use the result.
struct ClientAddress: Sendable {
    static let forwarded = HTTPField.Name("Forwarded")!
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    let trusted: [AddressRange]

    func resolve(peer: String, forwarded: [String], forwardedFor: [String]) -> String {
        guard self.isTrusted(peer) else { return peer }
        let hops = forwarded.isEmpty ? Self.forwardedForHops(forwardedFor) : Self.forwardedHops(forwarded)
        for hop in hops.reversed() where !self.isTrusted(hop) {
            return hop
        }
        // Every hop is a proxy of ours (or none was recorded): the left-most is the best we know.
        return hops.first ?? peer
    }

    func isTrusted(_ address: String) -> Bool {
        self.trusted.contains { $0.contains(address) }
    }

    /// `X-Forwarded-For: client, proxy1, proxy2` (several header lines are one list).
    static func forwardedForHops(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }.map { Self.bareAddress(Substring($0)) }.filter { !$0.isEmpty }
    }

    /// `Forwarded: for=192.0.2.60;proto=http, for="[2001:db8::17]:4711"`: the `for` of each element.
    static func forwardedHops(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }.compactMap { element in
            for pair in element.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].filter({ !$0.isWhitespace }).lowercased() == "for" else { continue }
                var value = Substring(parts[1].filter { !$0.isWhitespace })
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                    value = value.dropFirst().dropLast()
                }
                return Self.bareAddress(value)
            }
            return nil
        }.filter { !$0.isEmpty }
    }

    /// Drops brackets and a port: `[2001:db8::1]:443` → `2001:db8::1`, `192.0.2.1:80` → `192.0.2.1`.
    /// Anything that is not an address (`unknown`, an obfuscated `_hidden`) is kept as it is.
    static func bareAddress(_ text: Substring) -> String {
        let value = text.filter { !$0.isWhitespace }
        if value.hasPrefix("["), let close = value.firstIndex(of: "]") {
            return String(value[value.index(after: value.startIndex)..<close])
        }
        if value.filter({ $0 == ":" }).count == 1, let colon = value.firstIndex(of: ":") {
            return String(value[..<colon])
        }
        return String(value)
    }
}
