import Crypto
import Foundation

/// What an access token says about its bearer. Serialised as JWT claims.
public struct AccessTokenClaims: Codable, Sendable, Equatable {
    /// Issuer: always `AccessToken.issuer`.
    public var iss: String
    /// The user id.
    public var sub: String
    /// "user" or "admin".
    public var role: String
    /// Session (refresh-token family) id, so a session can be named and revoked.
    public var sid: String
    /// Issued at / expires at, seconds since 1970.
    public var iat: Int64
    public var exp: Int64

    public init(sub: String, role: String, sid: String, iat: Int64, exp: Int64) {
        self.iss = AccessToken.issuer
        self.sub = sub
        self.role = role
        self.sid = sid
        self.iat = iat
        self.exp = exp
    }
}

/// Short-lived access tokens: JWTs signed with Ed25519 (`alg` EdDSA, RFC 8037). The algorithm is
/// fixed: a token naming any other (`none`, HS256 with the public key as secret, …) is refused
/// before its signature is looked at.
public enum AccessToken {
    public static let issuer = "imageswiss-auth"
    public static let algorithm = "EdDSA"
    /// Longer strings are refused unparsed.
    public static let maxLength = 4096

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case malformed, unsupportedAlgorithm, unknownKey, badSignature, expired, notYetValid, wrongIssuer

        public var description: String {
            switch self {
            case .malformed: "the token is not a well-formed JWT"
            case .unsupportedAlgorithm: "the token's algorithm is not EdDSA"
            case .unknownKey: "the token names an unknown signing key"
            case .badSignature: "the token's signature does not verify"
            case .expired: "the token has expired"
            case .notYetValid: "the token is not valid yet"
            case .wrongIssuer: "the token was not issued by ImageSwiss"
            }
        }
    }

    private struct Header: Codable {
        var alg: String
        var typ: String?
        var kid: String?
    }

    /// Signs `claims` with `key`, naming `keyID` in the header so verifiers pick the right public key.
    public static func sign(_ claims: AccessTokenClaims, key: Curve25519.Signing.PrivateKey, keyID: String) throws
        -> String
    {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let header = Base64URL.encode(try encoder.encode(Header(alg: Self.algorithm, typ: "JWT", kid: keyID)))
        let payload = Base64URL.encode(try encoder.encode(claims))
        let signingInput = "\(header).\(payload)"
        let signature = try key.signature(for: Array(signingInput.utf8))
        return "\(signingInput).\(Base64URL.encode(signature))"
    }

    /// Verifies `token` against a key set and returns its claims.
    public static func verify(_ token: String, keys: PublicKeySet, now: Date = Date(), leeway: TimeInterval = 30)
        throws(Failure) -> AccessTokenClaims
    {
        try self.verify(token, keys: keys.keys, now: now, leeway: leeway)
    }

    /// Verifies `token` against the public keys by key id and returns its claims.
    /// `leeway` tolerates clock skew between Auth and the verifier.
    public static func verify(
        _ token: String, keys: [String: Curve25519.Signing.PublicKey], now: Date = Date(), leeway: TimeInterval = 30
    ) throws(Failure) -> AccessTokenClaims {
        guard token.utf8.count <= Self.maxLength else { throw .malformed }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]),
            let payloadBytes = Base64URL.decode(parts[1]),
            let signature = Base64URL.decode(parts[2])
        else { throw .malformed }
        guard let header = try? JSONDecoder().decode(Header.self, from: Data(headerBytes)) else { throw .malformed }
        guard header.alg == Self.algorithm else { throw .unsupportedAlgorithm }
        guard let keyID = header.kid, let key = keys[keyID] else { throw .unknownKey }
        guard signature.count == 64, key.isValidSignature(signature, for: Array("\(parts[0]).\(parts[1])".utf8)) else {
            throw .badSignature
        }
        guard let claims = try? JSONDecoder().decode(AccessTokenClaims.self, from: Data(payloadBytes)) else {
            throw .malformed
        }
        guard claims.iss == Self.issuer else { throw .wrongIssuer }
        let seconds = now.timeIntervalSince1970
        guard Double(claims.exp) + leeway > seconds else { throw .expired }
        guard Double(claims.iat) - leeway <= seconds else { throw .notYetValid }
        return claims
    }
}

/// An Ed25519 public key (swift-crypto's type, named here so verifiers need not import Crypto).
public typealias Curve25519PublicKey = Curve25519.Signing.PublicKey

/// Ed25519 public keys by key id, shareable across tasks. swift-crypto 3 does not mark its key
/// types Sendable, but a public key is an immutable value (32 bytes), so sharing one is safe.
public struct PublicKeySet: @unchecked Sendable {
    public let keys: [String: Curve25519.Signing.PublicKey]

    public init(_ keys: [String: Curve25519.Signing.PublicKey] = [:]) { self.keys = keys }

    public subscript(keyID: String) -> Curve25519.Signing.PublicKey? { self.keys[keyID] }
    public var isEmpty: Bool { self.keys.isEmpty }
}
