import Foundation
import TestSupport
import Testing

@Suite("auth: OAuth sign-in through the edge", .serialized)
struct OAuthSignInTests {
    /// Plays the browser: start at the edge, "allow" at the provider as `user`, come back to the
    /// callback. Returns the callback's reply and the state cookie used.
    static func signIn(_ stack: AuthStack, provider: String, as user: String) async throws -> (AuthStack.Reply, String)
    {
        let start = try await stack.call("GET", "/api/v1/auth/oauth/\(provider)/start", followRedirects: false)
        #expect(start.status == 302)
        let state = try #require(start.cookies["isw_oauth"])
        let authorize = try #require(start.headers["location"])
        #expect(authorize.contains("code_challenge_method=S256") && authorize.contains("state=\(state)"))
        let consent = try await AuthStack.get(authorize + "&as=\(user)")
        let callback = try #require(consent.headers["location"], "\(consent.status) \(authorize)")
        #expect(callback.hasPrefix("https://app.imageswiss.test/api/v1/auth/oauth/\(provider)/callback?"))
        let path = String(callback.dropFirst("https://app.imageswiss.test".count))
        return (
            try await stack.call("GET", path, headers: ["Cookie": "isw_oauth=\(state)"], followRedirects: false), state
        )
    }

    @Test func googleAndGitHubSignInWithPKCE() async throws {
        let provider = try await FakeOAuthProvider(
            port: try freePort(),
            users: [
                "alice": .init(subject: "g-1001", email: "alice@gmail.test", verified: true, name: "Alice A."),
                "mallory": .init(subject: "g-666", email: "mallory@gmail.test", verified: false, name: "Mallory"),
                "octo": .init(subject: "4242", email: "octo@example.com", verified: true, name: "Octo Cat"),
            ])
        defer { provider.stop() }
        let stack = try await AuthStack.start(provider.environment())
        defer { Task { await stack.stop() } }
        #expect(
            try await stack.call("GET", "/api/v1/auth/oauth/providers").json["providers"] as? [String] == [
                "github", "google",
            ])

        // A new Google user: an account with the verified address and the profile's name.
        let (google, _) = try await Self.signIn(stack, provider: "google", as: "alice")
        #expect(google.status == 302 && google.headers["location"] == "/")
        let access = try #require(google.cookies["isw_access"])
        let me = try await stack.call("GET", "/api/v1/me", headers: ["Cookie": "isw_access=\(access)"])
        #expect(me.json["email"] as? String == "alice@gmail.test" && me.json["email_verified"] as? Bool == true)
        #expect(me.json["display_name"] as? String == "Alice A.")
        // Signing in again finds the same account.
        let (again, _) = try await Self.signIn(stack, provider: "google", as: "alice")
        let againMe = try await stack.call(
            "GET", "/api/v1/me", headers: ["Cookie": "isw_access=\(try #require(again.cookies["isw_access"]))"])
        #expect(againMe.json["id"] as? String == me.json["id"] as? String)

        // GitHub: the verified primary address matches a password account, which gets linked.
        let existing = try await stack.signedInUser("octo@example.com")
        let (github, _) = try await Self.signIn(stack, provider: "github", as: "octo")
        let githubMe = try await stack.call(
            "GET", "/api/v1/me", headers: ["Cookie": "isw_access=\(try #require(github.cookies["isw_access"]))"])
        #expect(githubMe.json["id"] as? String == existing.id)
        #expect(try await stack.count("oauth_identities") == 2)

        // No verified address: refused, no account.
        let accounts = try await stack.count("accounts")
        let (unverified, _) = try await Self.signIn(stack, provider: "google", as: "mallory")
        #expect(unverified.status == 302 && unverified.headers["location"] == "/#/signin?oauth_error=oauth_failed")
        #expect(try await stack.count("accounts") == accounts)
    }

    @Test func stateAndPKCEBindTheFlowToOneBrowser() async throws {
        let provider = try await FakeOAuthProvider(
            port: try freePort(),
            users: [
                "alice": .init(subject: "g-1001", email: "alice@gmail.test", verified: true, name: "Alice")
            ])
        defer { provider.stop() }
        let stack = try await AuthStack.start(provider.environment())
        defer { Task { await stack.stop() } }

        // Flow A runs to the provider's redirect; the callback without the browser's state cookie fails.
        let startA = try await stack.call("GET", "/api/v1/auth/oauth/google/start", followRedirects: false)
        let stateA = try #require(startA.cookies["isw_oauth"])
        let consentA = try await AuthStack.get(try #require(startA.headers["location"]) + "&as=alice")
        let callbackA = String(
            try #require(consentA.headers["location"]).dropFirst("https://app.imageswiss.test".count))
        let noCookie = try await stack.call("GET", callbackA, followRedirects: false)
        #expect(noCookie.status == 302 && noCookie.headers["location"] == "/#/signin?oauth_error=oauth_state_mismatch")
        let otherCookie = try await stack.call(
            "GET", callbackA, headers: ["Cookie": "isw_oauth=forged"], followRedirects: false)
        #expect(otherCookie.headers["location"] == "/#/signin?oauth_error=oauth_state_mismatch")

        // A's code with flow B's state (and B's cookie): Auth sends B's PKCE verifier, the provider refuses.
        let startB = try await stack.call("GET", "/api/v1/auth/oauth/google/start", followRedirects: false)
        let stateB = try #require(startB.cookies["isw_oauth"])
        let codeA = try #require(
            URLComponents(string: "http://x" + callbackA)?.queryItems?.first { $0.name == "code" }?.value)
        let swapped = try await stack.call(
            "GET", "/api/v1/auth/oauth/google/callback?code=\(codeA)&state=\(stateB)",
            headers: ["Cookie": "isw_oauth=\(stateB)"], followRedirects: false)
        #expect(swapped.status == 302 && swapped.headers["location"] == "/#/signin?oauth_error=oauth_failed")

        // The state is single use: a finished flow cannot be replayed.
        let (done, state) = try await OAuthSignInTests.signIn(stack, provider: "google", as: "alice")
        #expect(done.status == 302 && state != stateA)
        #expect(
            try await stack.call(
                "GET", "/api/v1/auth/oauth/google/callback?code=x&state=\(state)",
                headers: ["Cookie": "isw_oauth=\(state)"], followRedirects: false
            ).headers["location"] == "/#/signin?oauth_error=oauth_failed")
        // GitHub refuses a code it does not know with 200 and {"error"}: still a refused sign-in, no account.
        let accounts = try await stack.count("accounts")
        let startGitHub = try await stack.call("GET", "/api/v1/auth/oauth/github/start", followRedirects: false)
        let stateGitHub = try #require(startGitHub.cookies["isw_oauth"])
        let unknownCode = try await stack.call(
            "GET", "/api/v1/auth/oauth/github/callback?code=not-a-code&state=\(stateGitHub)",
            headers: ["Cookie": "isw_oauth=\(stateGitHub)"], followRedirects: false)
        #expect(
            unknownCode.status == 302 && unknownCode.headers["location"] == "/#/signin?oauth_error=oauth_failed",
            "\(unknownCode.text)")
        #expect(try await stack.count("accounts") == accounts)
        // Providers that are not configured do not exist.
        #expect(try await stack.call("GET", "/api/v1/auth/oauth/facebook/start", followRedirects: false).status == 404)
    }
}
