/// One CIDR range (`10.0.0.0/8`, `2001:db8::/32`, or a single address meaning all of its bits).
/// An IPv4-mapped IPv6 address (`::ffff:10.1.2.3`) is judged as the IPv4 address it carries, since
/// a dual-stack listener reports IPv4 peers that way.
public struct AddressRange: Sendable, Equatable, CustomStringConvertible {
    public let network: [UInt8]
    public let prefixLength: Int

    /// nil when `text` is not an address with an optional `/prefix` no longer than the address.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let bytes = NetworkAddress.bytes(String(parts[0])) else { return nil }
        let bits = bytes.count * 8
        var length = bits
        if parts.count == 2 {
            guard let given = Int(parts[1]), (0...bits).contains(given), !parts[1].hasPrefix("+") else { return nil }
            length = given
        }
        self.network = bytes
        self.prefixLength = length
    }

    /// True when the numeric address `text` lies in the range; false for anything else.
    public func contains(_ text: String) -> Bool {
        guard var address = NetworkAddress.bytes(text) else { return false }
        if address.count == 16, self.network.count == 4, Self.isV4Mapped(address) {
            address = Array(address[12..<16])
        }
        guard address.count == self.network.count else { return false }
        var remaining = self.prefixLength
        for (a, n) in zip(address, self.network) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if a & mask != n & mask { return false }
            remaining -= 8
        }
        return true
    }

    public var description: String {
        let address =
            self.network.count == 4
            ? self.network.map(String.init).joined(separator: ".")
            : stride(from: 0, to: 16, by: 2).map {
                String(UInt16(self.network[$0]) << 8 | UInt16(self.network[$0 + 1]), radix: 16)
            }
            .joined(separator: ":")
        return "\(address)/\(self.prefixLength)"
    }

    static func isV4Mapped(_ b: [UInt8]) -> Bool {
        b[0..<10].allSatisfy { $0 == 0 } && b[10] == 0xFF && b[11] == 0xFF
    }

    /// A comma-separated list of ranges; throws naming the first entry that is not one.
    public static func list(_ text: String) throws(InvalidAddressRange) -> [AddressRange] {
        try text.split(separator: ",").map { String($0.filter { !$0.isWhitespace }) }.filter { !$0.isEmpty }.map {
            entry throws(InvalidAddressRange) in
            guard let range = AddressRange(entry) else { throw InvalidAddressRange(entry: entry) }
            return range
        }
    }
}

public struct InvalidAddressRange: Error, CustomStringConvertible {
    public let entry: String
    public var description: String { "'\(self.entry)' is not an address or CIDR range" }
}
