import Foundation
import PasswordHashing
import Testing

@Suite("auth: sessions through the edge", .serialized)
struct SessionFlowTests {
    @Test func registerSignInRefreshAndSignOutWithBearerTokens() async throws {
        let stack = try await AuthStack.start()
        defer { Task { await stack.stop() } }

        let registered = try await stack.call(
            "POST", "/api/v1/auth/register",
            json: [
                "email": "  Ada@Example.COM ", "password": "analytical engine 1843", "display_name": "Ada",
                "locale": "en-GB",
            ])
        #expect(registered.status == 201)
        #expect(registered.json["email"] as? String == "ada@example.com")
        #expect(registered.json["role"] as? String == "user")
        // Stored as argon2id with OWASP's parameters, never as the password.
        let hash = try await stack.database.query("SELECT password_hash FROM accounts").first!.decode(
            "password_hash", as: String.self)
        #expect(hash.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))

        // Same address again (any case): 409.
        let again = try await stack.call(
            "POST", "/api/v1/auth/register", json: ["email": "ADA@example.com", "password": "another fine password"])
        #expect(again.status == 409 && again.errorCode == "email_taken")
        // Weak passwords: too short, too common, too long.
        for password in ["short", "password123", "qwertyuiop", String(repeating: "x", count: 129)] {
            let weak = try await stack.call(
                "POST", "/api/v1/auth/register", json: ["email": "weak@example.com", "password": password])
            #expect(
                weak.status == 400 && (weak.json["error"] as? [String: Any])?["field"] as? String == "password",
                "\(password)")
        }

        let signIn = try await stack.call(
            "POST", "/api/v1/auth/signin", json: ["email": "ada@example.com", "password": "analytical engine 1843"],
            headers: ["User-Agent": "tests/1.0"])
        #expect(signIn.status == 200)
        let tokens = try #require(signIn.json["tokens"] as? [String: Any])
        let access = try #require(tokens["access_token"] as? String)
        let refresh = try #require(tokens["refresh_token"] as? String)
        #expect(access.split(separator: ".").count == 3 && refresh.hasPrefix("isr_"))

        let me = try await stack.call("GET", "/api/v1/me", bearer: access)
        #expect(
            me.status == 200 && me.json["email"] as? String == "ada@example.com"
                && me.json["locale"] as? String == "en-GB")
        #expect(try await stack.call("GET", "/api/v1/me").status == 401)

        // Refresh rotates: the new pair works, the old refresh token is used up.
        let refreshed = try await stack.call("POST", "/api/v1/auth/refresh", json: ["refresh_token": refresh])
        #expect(refreshed.status == 200)
        let newRefresh = try #require(refreshed.json["refresh_token"] as? String)
        #expect(newRefresh != refresh)
        #expect(
            try await stack.call("GET", "/api/v1/me", bearer: refreshed.json["access_token"] as? String).status == 200)
        // Replaying the old one is theft: the whole family dies, including the fresh token.
        let replay = try await stack.call("POST", "/api/v1/auth/refresh", json: ["refresh_token": refresh])
        #expect(replay.status == 401 && replay.errorCode == "invalid_refresh_token")
        #expect(try await stack.call("POST", "/api/v1/auth/refresh", json: ["refresh_token": newRefresh]).status == 401)

        // A second session; signing out ends it.
        let second = try await stack.call(
            "POST", "/api/v1/auth/signin", json: ["email": "ada@example.com", "password": "analytical engine 1843"])
        let secondRefresh = try #require((second.json["tokens"] as? [String: Any])?["refresh_token"] as? String)
        #expect(
            try await stack.call("POST", "/api/v1/auth/signout", json: ["refresh_token": secondRefresh]).status == 200)
        #expect(
            try await stack.call("POST", "/api/v1/auth/refresh", json: ["refresh_token": secondRefresh]).status == 401)

        // The history names every attempt with its user agent.
        let history = try await stack.call("GET", "/api/v1/me/sign-ins", bearer: access)
        let events = try #require(history.json["items"] as? [[String: Any]])
        #expect(events.count == 2 && events.allSatisfy { $0["succeeded"] as? Bool == true })
        #expect(events.contains { $0["user_agent"] as? String == "tests/1.0" })
    }

    /// An error's JSON as text without its request id (which differs for every request by design).
    static func errorWithoutRequestID(_ reply: AuthStack.Reply) -> String {
        var error = (reply.json["error"] as? [String: Any]) ?? [:]
        error["request_id"] = nil
        return error.keys.sorted().map { "\($0)=\(error[$0]!)" }.joined(separator: "&")
    }

    @Test func oneErrorForEveryFailureAndGrowingLockout() async throws {
        let stack = try await AuthStack.start(["AUTH_LOCKOUT_THRESHOLD": "3", "AUTH_LOCKOUT_BASE_S": "2"])
        defer { Task { await stack.stop() } }
        _ = try await stack.signedInUser("grace@example.com", password: "compiler pioneer 1952")

        func signIn(_ email: String, _ password: String) async throws -> AuthStack.Reply {
            try await stack.call("POST", "/api/v1/auth/signin", json: ["email": email, "password": password])
        }
        // Unknown user and wrong password: the same status, code and message.
        let unknown = try await signIn("nobody@example.com", "compiler pioneer 1952")
        let wrong = try await signIn("grace@example.com", "wrong password!")
        #expect(unknown.status == 401 && wrong.status == 401)
        #expect(Self.errorWithoutRequestID(unknown) == Self.errorWithoutRequestID(wrong))
        // No early exit for an unknown user: both take an argon2 verification.
        let clock = ContinuousClock()
        let unknownTime = try await clock.measure { _ = try await signIn("ghost@example.com", "whatever it is") }
        #expect(unknownTime > .milliseconds(5), "an unknown user answered in \(unknownTime): no hash was computed")

        // The third failure locks the account; then even the right password gets the same answer.
        _ = try await signIn("grace@example.com", "wrong again!")
        _ = try await signIn("grace@example.com", "and wrong a third time")
        let locked = try await signIn("grace@example.com", "compiler pioneer 1952")
        #expect(locked.status == 401 && Self.errorWithoutRequestID(locked) == Self.errorWithoutRequestID(wrong))
        // The lock lasts 2 s; afterwards the right password works again.
        try await Task.sleep(for: .milliseconds(2_300))
        #expect(try await signIn("grace@example.com", "compiler pioneer 1952").status == 200)
        // The failures (the refused right password included) are in the history.
        let failures = try await stack.database.query("SELECT count(*) AS n FROM sign_ins WHERE NOT succeeded").first!
            .decode("n", as: Int.self)
        #expect(failures == 4)
    }

    @Test func browserSessionsUseHttpOnlyCookiesWithCSRF() async throws {
        let stack = try await AuthStack.start()
        defer { Task { await stack.stop() } }
        _ = try await stack.call(
            "POST", "/api/v1/auth/register", json: ["email": "web@example.com", "password": "browser session pass"])
        let signIn = try await stack.call(
            "POST", "/api/v1/auth/signin",
            json: ["email": "web@example.com", "password": "browser session pass", "session": "cookie"])
        #expect(signIn.status == 200 && signIn.json["tokens"] == nil)
        let header = signIn.setCookieHeader
        #expect(
            header.contains("isw_access=") && header.contains("HttpOnly") && header.contains("Secure")
                && header.contains("SameSite=Strict"))
        let cookies = signIn.cookies
        let access = try #require(cookies["isw_access"])
        let csrf = try #require(cookies["isw_csrf"])
        let refresh = try #require(cookies["isw_refresh"])
        let cookieHeader = "isw_access=\(access); isw_csrf=\(csrf); isw_refresh=\(refresh)"

        #expect(try await stack.call("GET", "/api/v1/me", headers: ["Cookie": cookieHeader]).status == 200)
        // A change without the CSRF header is refused and changes nothing.
        let forged = try await stack.call(
            "PATCH", "/api/v1/me", json: ["display_name": "Mallory"], headers: ["Cookie": cookieHeader])
        #expect(forged.status == 403 && forged.errorCode == "csrf_failed")
        let wrongHeader = try await stack.call(
            "PATCH", "/api/v1/me", json: ["display_name": "Mallory"],
            headers: ["Cookie": cookieHeader, "X-CSRF-Token": "guess"])
        #expect(wrongHeader.status == 403)
        #expect(
            try await stack.call("GET", "/api/v1/me", headers: ["Cookie": cookieHeader]).json["display_name"] as? String
                == "")
        let patched = try await stack.call(
            "PATCH", "/api/v1/me", json: ["display_name": "Web User"],
            headers: ["Cookie": cookieHeader, "X-CSRF-Token": csrf])
        #expect(patched.status == 200 && patched.json["display_name"] as? String == "Web User")
        // The edge's cached copy of the account was dropped by the change: /me shows it at once.
        #expect(
            try await stack.call("GET", "/api/v1/me", headers: ["Cookie": cookieHeader]).json["display_name"] as? String
                == "Web User")

        // Cookie refresh needs CSRF too, and sets new cookies.
        #expect(try await stack.call("POST", "/api/v1/auth/refresh", headers: ["Cookie": cookieHeader]).status == 403)
        let refreshed = try await stack.call(
            "POST", "/api/v1/auth/refresh", headers: ["Cookie": cookieHeader, "X-CSRF-Token": csrf])
        #expect(
            refreshed.status == 200 && refreshed.cookies["isw_access"] != nil
                && refreshed.cookies["isw_refresh"] != refresh)
        // Sign-out clears the cookies.
        let newCookies = refreshed.cookies
        let signOut = try await stack.call(
            "POST", "/api/v1/auth/signout",
            headers: [
                "Cookie":
                    "isw_access=\(newCookies["isw_access"]!); isw_csrf=\(newCookies["isw_csrf"]!); isw_refresh=\(newCookies["isw_refresh"]!)",
                "X-CSRF-Token": newCookies["isw_csrf"]!,
            ])
        #expect(signOut.status == 200 && signOut.setCookieHeader.contains("Max-Age=0"))
    }
}

@Suite("auth: password hashes")
struct PasswordUpgradeTests {
    /// A hash made with weaker parameters (as an older configuration would have) is replaced by one
    /// with the current parameters at the next successful sign-in, and only then.
    @Test func weakerHashesAreUpgradedAtSignIn() async throws {
        let stack = try await AuthStack.start()
        defer { Task { await stack.stop() } }
        _ = try await stack.signedInUser("old@example.com", password: "an old but fine password")
        let weak = try Argon2id.hash(
            "an old but fine password", parameters: .init(memoryKiB: 8192, iterations: 1, parallelism: 1))
        try await stack.database.execute("UPDATE accounts SET password_hash = $1", [weak])

        #expect(
            try await stack.call(
                "POST", "/api/v1/auth/signin", json: ["email": "old@example.com", "password": "wrong password"]
            ).status == 401)
        #expect(
            try await stack.database.query("SELECT password_hash FROM accounts").first!.decode(
                "password_hash", as: String.self) == weak)
        #expect(
            try await stack.call(
                "POST", "/api/v1/auth/signin",
                json: ["email": "old@example.com", "password": "an old but fine password"]
            ).status == 200)
        let upgraded = try await stack.database.query("SELECT password_hash FROM accounts").first!.decode(
            "password_hash", as: String.self)
        #expect(upgraded.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
        #expect(Argon2id.verify("an old but fine password", against: upgraded))
    }
}
