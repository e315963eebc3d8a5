import Crypto
import Foundation

/// Proof that a call comes from one of the platform's own services: an HMAC-SHA256, under a key
/// every service shares (RPC_IDENTITY_KEY), over the method, a timestamp and every metadata pair
/// (caller-id, caller-role, caller-service, request-id …). A server with an identity refuses a call
/// without a valid proof as UNAUTHENTICATED, so reaching an internal port is not enough to claim a
/// caller, and changing one metadata value breaks the proof. docs/operations.md has the threat model
/// (what this does not protect: the payload, a replay within the skew, a compromised service).
///
/// Keys rotate: the first key signs, every key verifies. A proof names its key by the first eight
/// hex digits of the key's SHA-256, so a server tries one key, not all.
public struct RPCIdentity: Sendable {
    /// The metadata key of the proof: `v1 <key id> <unix seconds> <base64 HMAC>`.
    public static let proofKey = "caller-proof"
    /// The signing service's name (signed like every other pair).
    public static let serviceKey = "caller-service"
    /// Methods answered without proof: the health check, which probes and balancers call.
    public static let exempt: Set<String> = ["/imageswiss.health.v1.Health/Check"]
    /// Shortest key accepted, in bytes.
    public static let minimumKeyBytes = 32

    let service: String
    let keys: [PreparedKey]
    let maxSkew: Int64

    /// `keys` in order of use (the first signs); each at least `minimumKeyBytes` long.
    public init(service: String, keys: [String], maxSkewSeconds: Int = 300) throws(RPCError) {
        guard !keys.isEmpty else { throw RPCError(.invalidArgument, "an RPC identity needs at least one key") }
        self.keys = try keys.map { text throws(RPCError) in
            let bytes = Array(text.utf8)
            guard bytes.count >= Self.minimumKeyBytes else {
                throw RPCError(.invalidArgument, "an RPC identity key has at least \(Self.minimumKeyBytes) bytes")
            }
            let id = SHA256.hash(data: bytes).prefix(4).map { String(format: "%02x", $0) }.joined()
            return PreparedKey(id: id, hmac: HMAC<SHA256>(key: SymmetricKey(data: bytes)))
        }
        self.service = service
        self.maxSkew = Int64(maxSkewSeconds)
    }

    /// `metadata` with this service's name and a proof over it and `method`.
    public func sign(_ metadata: RPCMetadata, method: String, now: Int64 = Self.now()) -> RPCMetadata {
        var signed = metadata
        signed[Self.serviceKey] = self.service
        let key = self.keys[0]
        let mac = key.code(for: Self.content(signed, method: method, time: now))
        signed[Self.proofKey] = "v1 \(key.id) \(now) \(mac.base64EncodedString())"
        return signed
    }

    /// Nil when `metadata` carries a valid, fresh proof for `method`; otherwise why not.
    public func refusal(of metadata: RPCMetadata, method: String, now: Int64 = Self.now()) -> String? {
        guard let proof = metadata[Self.proofKey] else { return "the call carries no caller-proof" }
        let parts = proof.split(separator: " ")
        guard parts.count == 4, parts[0] == "v1", let time = Int64(parts[2]),
            let mac = Data(base64Encoded: String(parts[3]))
        else { return "the caller-proof is malformed" }
        guard let key = self.keys.first(where: { $0.id == parts[1] }) else {
            return "the caller-proof is made with an unknown key"
        }
        guard abs(now - time) <= self.maxSkew else { return "the caller-proof is outside the allowed clock skew" }
        guard key.matches(mac, Self.content(metadata, method: method, time: time)) else {
            return "the caller-proof does not match the call"
        }
        return nil
    }

    /// What the HMAC covers: version, method, time, then each pair but the proof sorted by key, one per
    /// line, key and value each prefixed with its length so that no choice of text makes two pairs read
    /// alike. Built straight into one buffer: this runs twice per internal call.
    static func content(_ metadata: RPCMetadata, method: String, time: Int64) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32 + method.utf8.count + metadata.values.count * 64)
        // Short decimals are small strings: no allocation.
        func decimal(_ value: Int64) { bytes.append(contentsOf: String(value).utf8) }
        bytes.append(contentsOf: "v1\n".utf8)
        bytes.append(contentsOf: method.utf8)
        bytes.append(UInt8(ascii: "\n"))
        decimal(time)
        bytes.append(UInt8(ascii: "\n"))
        for (key, value) in metadata.values.sorted(by: { $0.key < $1.key }) where key != Self.proofKey {
            decimal(Int64(key.utf8.count))
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: key.utf8)
            bytes.append(UInt8(ascii: "="))
            decimal(Int64(value.utf8.count))
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: value.utf8)
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }

    public static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}

/// A key with its HMAC state computed once (the padded inner and outer keys): each proof copies it.
/// HMAC is a value type that is never mutated here, only copied, so sharing it is safe.
struct PreparedKey: @unchecked Sendable {
    let id: String
    let hmac: HMAC<SHA256>

    func code(for content: [UInt8]) -> Data {
        var hmac = self.hmac
        hmac.update(data: content)
        return Data(hmac.finalize())
    }

    /// Compares in constant time: how much of a forged code matched must not show in the timing.
    func matches(_ mac: Data, _ content: [UInt8]) -> Bool {
        let expected = self.code(for: content)
        guard mac.count == expected.count else { return false }
        return zip(mac, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
