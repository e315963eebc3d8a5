import Crypto
import Foundation
import Testing
import Tokens

@Suite("access tokens")
struct AccessTokenTests {
    let key = Curve25519.Signing.PrivateKey()
    var keys: [String: Curve25519.Signing.PublicKey] { ["k1": self.key.publicKey] }

    func claims(iat: Int64 = Int64(Date().timeIntervalSince1970), lifetime: Int64 = 900) -> AccessTokenClaims {
        AccessTokenClaims(sub: "user-1", role: "user", sid: "session-1", iat: iat, exp: iat + lifetime)
    }

    @Test func signedTokensVerifyAndCarryTheirClaims() throws {
        let token = try AccessToken.sign(self.claims(), key: self.key, keyID: "k1")
        let verified = try AccessToken.verify(token, keys: self.keys)
        #expect(
            verified.sub == "user-1" && verified.role == "user" && verified.sid == "session-1"
                && verified.iss == AccessToken.issuer)
    }

    @Test func expiryAndClockSkewAreChecked() throws {
        let now = Date()
        let expired = try AccessToken.sign(
            self.claims(iat: Int64(now.timeIntervalSince1970) - 1000, lifetime: 900), key: self.key, keyID: "k1")
        #expect(throws: AccessToken.Failure.expired) { try AccessToken.verify(expired, keys: self.keys, now: now) }
        // Within the leeway an expired token still passes; issued in the future beyond it, it does not.
        let justExpired = try AccessToken.sign(
            self.claims(iat: Int64(now.timeIntervalSince1970) - 910, lifetime: 900), key: self.key, keyID: "k1")
        #expect(throws: Never.self) { try AccessToken.verify(justExpired, keys: self.keys, now: now, leeway: 30) }
        let future = try AccessToken.sign(
            self.claims(iat: Int64(now.timeIntervalSince1970) + 600), key: self.key, keyID: "k1")
        #expect(throws: AccessToken.Failure.notYetValid) { try AccessToken.verify(future, keys: self.keys, now: now) }
    }

    @Test func onlyEdDSAWithAKnownKeyAndAGoodSignaturePasses() throws {
        let token = try AccessToken.sign(self.claims(), key: self.key, keyID: "k1")
        let parts = token.split(separator: ".").map(String.init)
        func header(_ object: [String: String]) throws -> String {
            Base64URL.encode(try JSONSerialization.data(withJSONObject: object))
        }

        #expect(throws: AccessToken.Failure.unsupportedAlgorithm) {
            try AccessToken.verify("\(try header(["alg": "none", "kid": "k1"])).\(parts[1]).", keys: self.keys)
        }
        #expect(throws: AccessToken.Failure.unsupportedAlgorithm) {
            try AccessToken.verify(
                "\(try header(["alg": "HS256", "kid": "k1"])).\(parts[1]).\(parts[2])", keys: self.keys)
        }
        #expect(throws: AccessToken.Failure.unknownKey) {
            try AccessToken.verify(token, keys: ["k2": self.key.publicKey])
        }
        #expect(throws: AccessToken.Failure.badSignature) {
            try AccessToken.verify(token, keys: ["k1": Curve25519.Signing.PrivateKey().publicKey])
        }
        // A payload swapped under a valid signature.
        let other = try AccessToken.sign(
            AccessTokenClaims(sub: "admin-9", role: "admin", sid: "s", iat: 0, exp: .max / 2), key: self.key,
            keyID: "k1")
        let spliced = "\(parts[0]).\(other.split(separator: ".")[1]).\(parts[2])"
        #expect(throws: AccessToken.Failure.badSignature) { try AccessToken.verify(spliced, keys: self.keys) }
        for garbage in [
            "", "a.b", "a.b.c.d", "..", "!!.!!.!!", String(repeating: "a", count: AccessToken.maxLength + 1),
        ] {
            #expect(throws: AccessToken.Failure.malformed, "\(garbage.prefix(20))") {
                try AccessToken.verify(garbage, keys: self.keys)
            }
        }
    }

    @Test func base64URLIsStrict() {
        #expect(Base64URL.decode(Base64URL.encode([0xFB, 0xFF, 0x00])) == [0xFB, 0xFF, 0x00])
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
        for bad in ["ab=", "a+b", "a/b", "a b", "a"] { #expect(Base64URL.decode(bad) == nil, "\(bad)") }
    }

    @Test func opaqueTokensAreRandomAndStoredAsDigests() {
        let a = OpaqueToken.generate(prefix: "isr_")
        let b = OpaqueToken.generate(prefix: "isr_")
        #expect(a != b && a.hasPrefix("isr_") && a.count == 4 + 43)
        #expect(
            OpaqueToken.digest(a).count == 32 && OpaqueToken.digest(a) == OpaqueToken.digest(a)
                && OpaqueToken.digest(a) != OpaqueToken.digest(b))
    }
}
