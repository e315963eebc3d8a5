import IPAddresses
import Testing

@testable import Edge

/// Which address a request comes from (ClientAddress): the peer, unless a trusted proxy forwarded it.
struct ClientAddressTests {
    static let proxies = ClientAddress(trusted: try! AddressRange.list("10.0.0.0/8, 2001:db8:1::/48"))

    @Test("CIDR ranges: IPv4, IPv6, single addresses, IPv4-mapped peers; bad entries are named")
    func ranges() throws {
        let ten = try #require(AddressRange("10.0.0.0/8"))
        #expect(ten.contains("10.255.1.2") && !ten.contains("11.0.0.1") && ten.contains("::ffff:10.1.2.3"))
        #expect(AddressRange("192.0.2.7")!.contains("192.0.2.7") && !AddressRange("192.0.2.7")!.contains("192.0.2.8"))
        let odd = try #require(AddressRange("172.16.0.0/12"))
        #expect(odd.contains("172.31.255.255") && !odd.contains("172.32.0.0"))
        let v6 = try #require(AddressRange("2001:db8:1::/48"))
        #expect(v6.contains("2001:db8:1:ffff::1") && !v6.contains("2001:db8:2::1") && !v6.contains("10.0.0.1"))
        #expect(AddressRange("0.0.0.0/0")!.contains("203.0.113.9"))
        for bad in ["10.0.0.0/33", "10.0.0/8", "proxy.internal", "10.0.0.0/-1", "10.0.0.0/+8", "::1/129"] {
            #expect(AddressRange(bad) == nil, "\(bad)")
        }
        #expect(throws: InvalidAddressRange.self) { try AddressRange.list("10.0.0.0/8, nonsense") }
        #expect(try AddressRange.list("").isEmpty)
    }

    @Test("an untrusted peer is the client whatever it claims")
    func untrustedPeer() {
        #expect(Self.proxies.resolve(peer: "198.51.100.4", forwarded: [], forwardedFor: ["1.2.3.4"]) == "198.51.100.4")
        #expect(
            Self.proxies.resolve(peer: "198.51.100.4", forwarded: ["for=1.2.3.4"], forwardedFor: []) == "198.51.100.4")
        #expect(
            ClientAddress(trusted: []).resolve(peer: "10.0.0.1", forwarded: [], forwardedFor: ["1.2.3.4"]) == "10.0.0.1"
        )
    }

    @Test("through trusted proxies: the right-most hop that is not a proxy of ours")
    func rightMostUntrusted() {
        // The client forged "6.6.6.6"; our proxy appended the address it saw.
        #expect(
            Self.proxies.resolve(peer: "10.0.0.5", forwarded: [], forwardedFor: ["6.6.6.6, 203.0.113.9"])
                == "203.0.113.9")
        // Two of our proxies in a row, the list split over two header lines.
        #expect(
            Self.proxies.resolve(peer: "10.0.0.5", forwarded: [], forwardedFor: ["6.6.6.6, 203.0.113.9", "10.1.1.1"])
                == "203.0.113.9")
        // Only proxies of ours: the left-most is the best we know; no header at all: the peer.
        #expect(
            Self.proxies.resolve(peer: "10.0.0.5", forwarded: [], forwardedFor: ["10.9.9.9, 10.1.1.1"]) == "10.9.9.9")
        #expect(Self.proxies.resolve(peer: "10.0.0.5", forwarded: [], forwardedFor: []) == "10.0.0.5")
    }

    @Test("RFC 7239 Forwarded wins over X-Forwarded-For: quoted IPv6 with ports, other parameters, unknown")
    func forwarded() {
        #expect(
            Self.proxies.resolve(
                peer: "10.0.0.5",
                forwarded: ["for=192.0.2.60;proto=http;by=203.0.113.43, for=\"[2001:db8:cafe::17]:4711\""],
                forwardedFor: ["198.51.100.1"]) == "2001:db8:cafe::17")
        #expect(
            Self.proxies.resolve(peer: "10.0.0.5", forwarded: ["For=\"192.0.2.60:8080\""], forwardedFor: [])
                == "192.0.2.60")
        #expect(Self.proxies.resolve(peer: "10.0.0.5", forwarded: ["for=unknown"], forwardedFor: []) == "unknown")
        #expect(
            Self.proxies.resolve(peer: "2001:db8:1::9", forwarded: ["for=198.51.100.7;proto=https"], forwardedFor: [])
                == "198.51.100.7")
    }
}
