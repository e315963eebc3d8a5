import Foundation
import TestSupport
import Testing

/// The web app in a real browser: headless Chromium driven by Selenium (Tests/Browser/journey.py)
/// through the main journey and the admin journey, against the whole stack as real processes.
/// Screenshots of the main pages land in the stack's scratch folder; JOURNEY_SCREENSHOTS=$PWD/docs/screenshots
/// retakes the copies in docs/.
@Suite(.serialized) struct BrowserJourneyTests {
    static let adminEmail = "admin@imageswiss.test"

    @Test func mainAndAdminJourneys() async throws {
        // Sign-in with Google against Tests/Browser/fake_google.py, which the journey starts on this port.
        let oauthPort = try freePort()
        let google = "http://127.0.0.1:\(oauthPort)"
        let stack = try await ServiceStack.start(
            ["auth", "billing", "storage", "imageops", "jobs"],
            environment: [
                "AUTH_FIRST_ADMIN_EMAIL": Self.adminEmail, "EDGE_PUBLIC_URL": "",
                "AUTH_OAUTH_GOOGLE_CLIENT_ID": "journey-client", "AUTH_OAUTH_GOOGLE_CLIENT_SECRET": "journey-secret",
                "AUTH_OAUTH_GOOGLE_AUTHORIZE_URL": google + "/authorize",
                "AUTH_OAUTH_GOOGLE_TOKEN_URL": google + "/token",
                "AUTH_OAUTH_GOOGLE_USER_URL": google + "/userinfo",
            ])
        defer { Task { await stack.stop() } }
        try await stack.database(for: "billing").execute("UPDATE tiers SET daily_cap = 100000")
        // The journey puts real photographs there (scikit-image's bundled data).
        let images = stack.scratch + "/images"
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let result = try await runWithStatus(
            "/usr/bin/env",
            [
                "python3", root + "/Tests/Browser/journey.py", stack.http.baseURL, images,
                stack.scratch + "/screenshots", Self.adminEmail,
                stack.scratch + "/mail", String(oauthPort),
            ])
        #expect(result.status == 0, "\(result.output)")
    }
}
