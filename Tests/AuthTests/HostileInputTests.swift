import Crypto
import Foundation
import Testing
import Tokens

@Suite("auth: hostile input through the edge", .serialized)
struct HostileInputTests {
    /// Every field with SQL metacharacters, invalid UTF-8, NUL and control characters, plus huge
    /// bodies: each a clear 4xx JSON error, and nothing written.
    @Test func hostileBodiesGetClearErrorsAndWriteNothing() async throws {
        let stack = try await AuthStack.start()
        defer { Task { await stack.stop() } }
        let user = try await stack.signedInUser("target@example.com")
        let accountsBefore = try await stack.count("accounts")
        let keysBefore = try await stack.count("api_keys")

        let sql = "x'); DROP TABLE accounts; --"
        let attempts: [(String, String, [String: Any])] = [
            ("POST", "/api/v1/auth/register", ["email": sql, "password": "long enough password"]),
            (
                "POST", "/api/v1/auth/register",
                ["email": "a@b.co", "password": "long enough password", "display_name": "nul\u{0}byte"]
            ),
            (
                "POST", "/api/v1/auth/register",
                ["email": "a@b.co", "password": "long enough password", "display_name": "bidi\u{202E}override"]
            ),
            ("POST", "/api/v1/auth/register", ["email": "a@b.co", "password": "long enough password", "locale": sql]),
            (
                "POST", "/api/v1/auth/register",
                ["email": "a@b.co\r\nBcc: all@example.com", "password": "long enough password"]
            ),
            ("POST", "/api/v1/auth/register", ["email": 42, "password": "long enough password"]),
            ("POST", "/api/v1/auth/register", ["password": "long enough password"]),
            ("POST", "/api/v1/auth/signin", ["email": sql, "password": sql]),
            ("POST", "/api/v1/auth/verify-email", ["token": sql]),
            ("POST", "/api/v1/auth/password/reset", ["token": sql, "new_password": "a fine new password"]),
            ("POST", "/api/v1/auth/refresh", ["refresh_token": sql]),
            ("PATCH", "/api/v1/me", ["avatar_blob_id": sql]),
            ("PATCH", "/api/v1/me", ["display_name": String(repeating: "y", count: 101)]),
            ("POST", "/api/v1/auth/keys", ["name": sql, "scopes": [sql]]),
            ("POST", "/api/v1/auth/keys", ["name": "\u{7}"]),
        ]
        for (method, path, body) in attempts {
            let reply = try await stack.call(method, path, json: body, bearer: user.access)
            #expect(
                (400..<500).contains(reply.status) && reply.errorCode != nil,
                "\(method) \(path) \(body): \(reply.status)")
        }
        // Invalid UTF-8 in a JSON string, and bodies that are not JSON at all.
        for raw in [
            Data([0x7B, 0x22, 0x65, 0x6D, 0x61, 0x69, 0x6C, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D]),
            Data("not json".utf8), Data(),
        ] {
            let reply = try await stack.call("POST", "/api/v1/auth/register", raw: raw)
            #expect(
                reply.status == 400 && reply.errorCode == "invalid_json",
                "\(reply.status) \(String(decoding: reply.body, as: UTF8.self))")
        }
        // 10 MB: refused before it is read whole.
        let huge = Data(count: 10 << 20)
        let tooLarge = try await stack.call("POST", "/api/v1/auth/register", raw: huge)
        #expect(tooLarge.status == 413 && tooLarge.errorCode == "body_too_large")

        #expect(try await stack.count("accounts") == accountsBefore)
        #expect(try await stack.count("api_keys") == keysBefore)
        // The user's session still works: nothing was disturbed.
        #expect(try await stack.call("GET", "/api/v1/me", bearer: user.access).status == 200)
    }

    /// Forged, expired, alg=none, HS256-with-the-public-key and wrong-key tokens are all 401.
    @Test func forgedTokensAreRefused() async throws {
        let stack = try await AuthStack.start()
        defer { Task { await stack.stop() } }
        let user = try await stack.signedInUser("victim@example.com")
        let row = try #require(
            try await stack.database.query("SELECT key_id, private_key, public_key FROM signing_keys").first)
        let keyID: String = try row.decode("key_id")
        let realKey = try Curve25519.Signing.PrivateKey(
            rawRepresentation: try row.decode("private_key", as: [UInt8].self))
        let publicKey: [UInt8] = try row.decode("public_key")
        let now = Int64(Date().timeIntervalSince1970)

        func encode(_ object: [String: Any]) throws -> String {
            Base64URL.encode(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        }
        let claims: [String: Any] = [
            "iss": "imageswiss-auth", "sub": user.id, "role": "admin", "sid": UUID().uuidString, "iat": now,
            "exp": now + 600,
        ]
        let payload = try encode(claims)

        let none = try encode(["alg": "none", "typ": "JWT", "kid": keyID]) + "." + payload + "."
        let hsHeader = try encode(["alg": "HS256", "typ": "JWT", "kid": keyID])
        let hmac = HMAC<SHA256>.authenticationCode(
            for: Array("\(hsHeader).\(payload)".utf8), using: SymmetricKey(data: publicKey))
        let hs256 = "\(hsHeader).\(payload).\(Base64URL.encode(hmac))"
        let wrongKey = try AccessToken.sign(
            AccessTokenClaims(sub: user.id, role: "admin", sid: "x", iat: now, exp: now + 600),
            key: Curve25519.Signing.PrivateKey(), keyID: keyID)
        let expired = try AccessToken.sign(
            AccessTokenClaims(sub: user.id, role: "user", sid: "x", iat: now - 7200, exp: now - 3600), key: realKey,
            keyID: keyID)
        // The user's own token with its role edited from user to admin: the signature no longer matches.
        let parts = user.access.split(separator: ".").map(String.init)
        var edited = try #require(
            try JSONSerialization.jsonObject(with: Data(Base64URL.decode(parts[1])!)) as? [String: Any])
        edited["role"] = "admin"
        let tampered = "\(parts[0]).\(try encode(edited)).\(parts[2])"
        let unknownKid = try AccessToken.sign(
            AccessTokenClaims(sub: user.id, role: "user", sid: "x", iat: now, exp: now + 600),
            key: Curve25519.Signing.PrivateKey(), keyID: "k-nonexistent")

        for (name, token) in [
            ("alg=none", none), ("HS256", hs256), ("wrong key", wrongKey), ("expired", expired), ("tampered", tampered),
            ("unknown kid", unknownKid), ("garbage", "a.b.c"), ("empty parts", ".."),
            ("huge", String(repeating: "a", count: 10_000)),
        ] {
            let reply = try await stack.call("GET", "/api/v1/admin/users", bearer: token)
            #expect(reply.status == 401, "\(name): \(reply.status)")
        }
        #expect(try await stack.call("GET", "/api/v1/me", bearer: expired).errorCode == "token_expired")
        #expect(
            try await stack.call("GET", "/api/v1/me", headers: ["Authorization": "Basic dXNlcjpwYXNz"]).status == 401)
        // The genuine token still works (and is not an admin's).
        #expect(try await stack.call("GET", "/api/v1/me", bearer: user.access).status == 200)
        #expect(try await stack.call("GET", "/api/v1/admin/users", bearer: user.access).status == 403)
    }

    /// A rotation: old tokens keep working until they expire, new tokens carry the new key id and
    /// the edge learns it on first sight.
    @Test func signingKeysRotateWithoutSigningAnyoneOut() async throws {
        let stack = try await AuthStack.start()
        defer { Task { await stack.stop() } }
        let admin = try await stack.signedInUser(AuthStack.adminEmail)
        let before = try await stack.signedInUser("rotating@example.com")
        #expect(try await stack.call("GET", "/api/v1/me", bearer: before.access).status == 200)

        let rotated = try await stack.call("POST", "/api/v1/admin/signing-keys/rotate", bearer: admin.access)
        #expect(rotated.status == 200)
        let newKeyID = try #require(rotated.json["key_id"] as? String)

        let after = try await stack.call(
            "POST", "/api/v1/auth/signin",
            json: ["email": "rotating@example.com", "password": "correct horse battery staple"])
        let newAccess = try #require((after.json["tokens"] as? [String: Any])?["access_token"] as? String)
        let header = try #require(
            try JSONSerialization.jsonObject(with: Data(Base64URL.decode(newAccess.split(separator: ".")[0])!))
                as? [String: Any])
        #expect(header["kid"] as? String == newKeyID && header["alg"] as? String == "EdDSA")
        #expect(try await stack.call("GET", "/api/v1/me", bearer: newAccess).status == 200)
        #expect(try await stack.call("GET", "/api/v1/me", bearer: before.access).status == 200)
        let published = try await stack.database.query(
            "SELECT count(*) AS n FROM signing_keys WHERE retires_at IS NOT NULL"
        ).first!.decode("n", as: Int.self)
        #expect(published == 1)
    }
}
