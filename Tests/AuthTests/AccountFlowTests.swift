import Foundation
import Testing

@Suite("auth: accounts, email, keys and admin through the edge", .serialized)
struct AccountFlowTests {
    static func link(in mail: String, path: String) -> String? {
        guard let range = mail.range(of: "https://app.imageswiss.test\(path)?token=") else { return nil }
        return String(mail[range.upperBound...].prefix { !$0.isWhitespace })
    }

    @Test func emailVerificationAndPasswordResetGoThroughTheOutbox() async throws {
        let stack = try await AuthStack.start()
        defer { Task { await stack.stop() } }
        let user = try await stack.signedInUser("lin@example.com", password: "first password here")

        // Registration mailed a verification link built from the configured public URL.
        let first = try await stack.mails(atLeast: 1)
        #expect(first.count == 1 && first[0].contains("To: <lin@example.com>"))
        let verifyToken = try #require(Self.link(in: first[0], path: "/#/verify"))
        #expect(try await stack.call("POST", "/api/v1/auth/verify-email", json: ["token": verifyToken]).status == 200)
        #expect(try await stack.call("GET", "/api/v1/me", bearer: user.access).json["email_verified"] as? Bool == true)
        // Single use.
        let reused = try await stack.call("POST", "/api/v1/auth/verify-email", json: ["token": verifyToken])
        #expect(reused.status == 400 && reused.errorCode == "invalid_token")

        // Reset: the same answer for a known and an unknown address, and mail only for the known one.
        let known = try await stack.call(
            "POST", "/api/v1/auth/password/forgot", json: ["email": "lin@example.com"],
            headers: ["Host": "evil.example"])
        let unknown = try await stack.call(
            "POST", "/api/v1/auth/password/forgot", json: ["email": "nobody@example.com"])
        #expect(known.status == 202 && unknown.status == 202 && known.body == unknown.body)
        let mails = try await stack.mails(atLeast: 2)
        #expect(mails.count == 2)
        #expect(!mails[1].contains("evil.example"))
        let resetToken = try #require(Self.link(in: mails[1], path: "/#/reset"))
        // A common password is refused and the link survives; a good one works once.
        #expect(
            try await stack.call(
                "POST", "/api/v1/auth/password/reset", json: ["token": resetToken, "new_password": "password1"]
            ).status == 400)
        #expect(
            try await stack.call(
                "POST", "/api/v1/auth/password/reset",
                json: ["token": resetToken, "new_password": "second password here"]
            ).status == 200)
        #expect(
            try await stack.call(
                "POST", "/api/v1/auth/password/reset",
                json: ["token": resetToken, "new_password": "third password here"]
            ).status == 400)
        // Old password out, new one in; the reset signed out the old session.
        #expect(
            try await stack.call(
                "POST", "/api/v1/auth/signin", json: ["email": "lin@example.com", "password": "first password here"]
            ).status == 401)
        #expect(
            try await stack.call(
                "POST", "/api/v1/auth/signin", json: ["email": "lin@example.com", "password": "second password here"]
            ).status == 200)
        #expect(
            try await stack.call("POST", "/api/v1/auth/refresh", json: ["refresh_token": user.refresh]).status == 401)
        // Tokens are stored hashed.
        let stored = try await stack.database.query("SELECT token_hash FROM email_tokens").map {
            try $0.decode("token_hash", as: [UInt8].self)
        }
        #expect(stored.allSatisfy { $0.count == 32 })
    }

    @Test func profilePasswordExportAndDeletion() async throws {
        let stack = try await AuthStack.start()
        defer { Task { await stack.stop() } }
        let user = try await stack.signedInUser("mo@example.com", password: "my first passphrase")
        let other = try await stack.call(
            "POST", "/api/v1/auth/signin", json: ["email": "mo@example.com", "password": "my first passphrase"])
        let otherRefresh = try #require((other.json["tokens"] as? [String: Any])?["refresh_token"] as? String)

        let avatar = UUID().uuidString.lowercased()
        let patched = try await stack.call(
            "PATCH", "/api/v1/me", json: ["display_name": "Mo", "avatar_blob_id": avatar, "locale": "de-CH"],
            bearer: user.access)
        #expect(
            patched.status == 200 && patched.json["avatar_blob_id"] as? String == avatar
                && patched.json["locale"] as? String == "de-CH")
        let badLocale = try await stack.call(
            "PATCH", "/api/v1/me", json: ["locale": "'; DROP TABLE accounts; --"], bearer: user.access)
        #expect(badLocale.status == 400 && (badLocale.json["error"] as? [String: Any])?["field"] as? String == "locale")

        let wrongCurrent = try await stack.call(
            "POST", "/api/v1/me/password",
            json: ["current_password": "nope nope", "new_password": "my second passphrase"], bearer: user.access)
        #expect(wrongCurrent.status == 403)
        #expect(
            try await stack.call(
                "POST", "/api/v1/me/password",
                json: ["current_password": "my first passphrase", "new_password": "my second passphrase"],
                bearer: user.access
            ).status == 200)
        // The other session is signed out; this one keeps going.
        #expect(
            try await stack.call("POST", "/api/v1/auth/refresh", json: ["refresh_token": otherRefresh]).status == 401)
        #expect(
            try await stack.call("POST", "/api/v1/auth/refresh", json: ["refresh_token": user.refresh]).status == 200)

        let export = try await stack.call("GET", "/api/v1/me/export", bearer: user.access)
        #expect(export.status == 200 && export.headers["content-disposition"]?.contains("attachment") == true)
        let document = export.json
        #expect((document["account"] as? [String: Any])?["email"] as? String == "mo@example.com")
        #expect((document["sign_ins"] as? [Any])?.count == 2)
        #expect(!String(decoding: export.body, as: UTF8.self).contains("argon2"))

        #expect(
            try await stack.call("DELETE", "/api/v1/me", json: ["password": "wrong one"], bearer: user.access).status
                == 403)
        #expect(
            try await stack.call(
                "DELETE", "/api/v1/me", json: ["password": "my second passphrase"], bearer: user.access
            ).status == 200)
        #expect(try await stack.count("accounts") == 0)
        #expect(try await stack.count("sign_ins") == 0)
        #expect(try await stack.count("refresh_tokens") == 0)
        #expect(
            try await stack.call(
                "POST", "/api/v1/auth/signin", json: ["email": "mo@example.com", "password": "my second passphrase"]
            ).status == 401)
    }

    @Test func apiKeysAreShownOnceScopedAndRevocable() async throws {
        let stack = try await AuthStack.start()
        defer { Task { await stack.stop() } }
        let user = try await stack.signedInUser("kim@example.com")

        let created = try await stack.call(
            "POST", "/api/v1/auth/keys", json: ["name": "backup script", "scopes": ["profile:read", "files:read"]],
            bearer: user.access, headers: ["Idempotency-Key": "create-1"])
        #expect(created.status == 201)
        let secret = try #require(created.json["secret"] as? String)
        let prefix = try #require(created.json["prefix"] as? String)
        #expect(secret.hasPrefix(prefix + "_"))
        // The same idempotency key gives the same key back, not a second one — without its secret,
        // which was shown once and is stored nowhere, and saying so.
        let repeated = try await stack.call(
            "POST", "/api/v1/auth/keys", json: ["name": "backup script", "scopes": ["profile:read", "files:read"]],
            bearer: user.access, headers: ["Idempotency-Key": "create-1"])
        #expect(repeated.json["id"] as? String == created.json["id"] as? String)
        #expect(
            repeated.json["secret"] == nil && repeated.json["replayed"] as? Bool == true
                && repeated.headers["idempotent-replayed"] == "true",
            "\(repeated.text)")
        #expect(created.json["replayed"] == nil && created.headers["idempotent-replayed"] == nil)
        #expect(try await stack.count("api_keys") == 1)
        // The same key for another request is refused.
        let reused = try await stack.call(
            "POST", "/api/v1/auth/keys", json: ["name": "another"], bearer: user.access,
            headers: ["Idempotency-Key": "create-1"])
        #expect(reused.status == 409 && reused.errorCode == "idempotency_key_reused", "\(reused.text)")
        // Stored hashed: the secret appears nowhere in the database, the idempotency answers included.
        let rows = try await stack.database.query("SELECT prefix, secret_hash FROM api_keys")
        #expect(try rows.first!.decode("secret_hash", as: [UInt8].self).count == 32)
        let answers = try await stack.database.query("SELECT request, response FROM idempotency_keys")
        #expect(answers.count == 1)
        for answer in answers {
            for column in ["request", "response"] {
                let bytes = try answer.decode(column, as: [UInt8].self)
                #expect(
                    !String(decoding: bytes, as: UTF8.self).contains(String(secret.suffix(20))),
                    "\(column) holds the secret")
            }
        }
        // Nor is a password kept with a registration's idempotency key: requests are stored as their SHA-256.
        let password = "quiet lighthouse keeper 93"
        let registered = try await stack.call(
            "POST", "/api/v1/auth/register", json: ["email": "lee@example.com", "password": password],
            headers: ["Idempotency-Key": "register-1"])
        #expect(registered.status == 201, "\(registered.text)")
        let registration = try #require(
            try await stack.database.query("SELECT request, response FROM idempotency_keys WHERE method = 'Register'")
                .first)
        #expect(try registration.decode("request", as: [UInt8].self).count == 32)
        #expect(
            !String(decoding: try registration.decode("response", as: [UInt8].self), as: UTF8.self).contains(password))

        // Usable as a bearer token within its scopes.
        let me = try await stack.call("GET", "/api/v1/me", bearer: secret)
        #expect(me.status == 200 && me.json["email"] as? String == "kim@example.com")
        // Not for account management.
        #expect(try await stack.call("PATCH", "/api/v1/me", json: ["display_name": "x"], bearer: secret).status == 403)
        #expect(
            try await stack.call("POST", "/api/v1/auth/keys", json: ["name": "escalate"], bearer: secret).status == 403)
        // A key without profile:read cannot read the profile.
        let narrow = try await stack.call(
            "POST", "/api/v1/auth/keys", json: ["name": "jobs only", "scopes": ["jobs:write"]], bearer: user.access)
        let narrowSecret = try #require(narrow.json["secret"] as? String)
        #expect(try await stack.call("GET", "/api/v1/me", bearer: narrowSecret).errorCode == "insufficient_scope")
        #expect(
            try await stack.call(
                "POST", "/api/v1/auth/keys", json: ["name": "bad", "scopes": ["admin"]], bearer: user.access
            ).status == 400)

        // Listed without secrets, with last use.
        let list = try await stack.call("GET", "/api/v1/auth/keys", bearer: user.access)
        let items = try #require(list.json["items"] as? [[String: Any]])
        #expect(items.count == 2 && items.allSatisfy { $0["secret"] == nil })
        #expect(items.first { $0["prefix"] as? String == prefix }?["last_used_at"] as? String != nil)

        // Someone else cannot revoke it; the owner can, and then it stops working.
        let other = try await stack.signedInUser("eve@example.com")
        let keyID = try #require(created.json["id"] as? String)
        #expect(try await stack.call("DELETE", "/api/v1/auth/keys/\(keyID)", bearer: other.access).status == 404)
        #expect(try await stack.call("GET", "/api/v1/me", bearer: secret).status == 200)
        #expect(try await stack.call("DELETE", "/api/v1/auth/keys/\(keyID)", bearer: user.access).status == 200)
        let revoked = try await stack.call("GET", "/api/v1/me", bearer: secret)
        #expect(revoked.status == 401 && revoked.errorCode == "invalid_api_key")
    }

    @Test func adminsManageUsersAndEveryActionIsAudited() async throws {
        let stack = try await AuthStack.start()
        defer { Task { await stack.stop() } }
        let admin = try await stack.signedInUser(AuthStack.adminEmail)
        let user = try await stack.signedInUser("pat@example.com")
        _ = try await stack.signedInUser("pat_100%@example.com")
        #expect(try await stack.call("GET", "/api/v1/me", bearer: admin.access).json["role"] as? String == "admin")

        // A user calling an admin route: 403, and nothing is written.
        let auditBefore = try await stack.count("audit_log")
        #expect(try await stack.call("GET", "/api/v1/admin/users", bearer: user.access).errorCode == "admin_only")
        #expect(
            try await stack.call(
                "PATCH", "/api/v1/admin/users/\(admin.id)", json: ["role": "user"], bearer: user.access
            ).status == 403)
        #expect(try await stack.count("audit_log") == auditBefore)

        // Search treats LIKE's % and _ as plain characters.
        let search = try await stack.call("GET", "/api/v1/admin/users?q=pat_100%25", bearer: admin.access)
        #expect((search.json["items"] as? [[String: Any]])?.map { $0["email"] as? String } == ["pat_100%@example.com"])
        let all = try await stack.call("GET", "/api/v1/admin/users?page_size=2", bearer: admin.access)
        #expect((all.json["items"] as? [Any])?.count == 2 && all.json["next_page_token"] as? String != nil)

        // Disabling signs the user out everywhere and stops sign-in.
        let disabled = try await stack.call(
            "PATCH", "/api/v1/admin/users/\(user.id)", json: ["disabled": true], bearer: admin.access)
        #expect(disabled.status == 200 && disabled.json["disabled"] as? Bool == true)
        #expect(
            try await stack.call("POST", "/api/v1/auth/refresh", json: ["refresh_token": user.refresh]).status == 401)
        #expect(
            try await stack.call(
                "POST", "/api/v1/auth/signin",
                json: ["email": "pat@example.com", "password": "correct horse battery staple"]
            ).status == 401)
        #expect(
            try await stack.call(
                "PATCH", "/api/v1/admin/users/\(user.id)", json: ["disabled": false, "role": "admin"],
                bearer: admin.access
            ).status == 200)
        // No self-demotion; unknown roles refused.
        #expect(
            try await stack.call(
                "PATCH", "/api/v1/admin/users/\(admin.id)", json: ["role": "user"], bearer: admin.access
            ).status == 409)
        #expect(
            try await stack.call(
                "PATCH", "/api/v1/admin/users/\(user.id)", json: ["role": "root"], bearer: admin.access
            ).status == 400)

        let audit = try await stack.call("GET", "/api/v1/admin/audit", bearer: admin.access)
        let actions = (audit.json["items"] as? [[String: Any]])?.compactMap { $0["action"] as? String } ?? []
        #expect(actions == ["user.role_changed", "user.enabled", "user.disabled"])
        // The log cannot be edited, even by Auth's own database role.
        await #expect(throws: (any Error).self) { try await stack.database.execute("DELETE FROM audit_log") }
    }
}
