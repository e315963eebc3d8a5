import Foundation
import Testing

@Suite("auth: mail over SMTP", .serialized)
struct SMTPDeliveryTests {
    @Test func outboxDeliversOverSMTPAndRetriesAfterARefusal() async throws {
        let smtp = try await FakeSMTPServer()
        smtp.rejectRecipients.withLockedValue { $0 = true }
        let stack = try await AuthStack.start([
            "AUTH_SMTP_URL": "smtp://127.0.0.1:\(smtp.port)", "AUTH_SMTP_USERNAME": "mailer",
            "AUTH_SMTP_PASSWORD": "secret",
            "AUTH_SMTP_REQUIRE_TLS": "false", "AUTH_MAIL_RETRY_BASE_MS": "300",
        ])
        defer {
            Task {
                await stack.stop()
                await smtp.stop()
            }
        }

        _ = try await stack.call(
            "POST", "/api/v1/auth/register", json: ["email": "smtp@example.com", "password": "mail me a link please"])
        // Refused: the mail stays in the outbox with the error, waiting longer after each attempt.
        try await Self.waitUntil {
            try await stack.database.query("SELECT 1 FROM outbox WHERE attempts >= 2 AND last_error LIKE '%550%'").count
                == 1
        }
        let attempts = try await stack.database.query("SELECT attempts FROM outbox").first!.decode(
            "attempts", as: Int.self)
        #expect(attempts < 6, "no backoff: \(attempts) attempts already")
        #expect(smtp.mails.withLockedValue { $0.isEmpty })
        // Accepted at a later attempt.
        smtp.rejectRecipients.withLockedValue { $0 = false }
        try await Self.waitUntil { smtp.mails.withLockedValue { $0.count } == 1 }
        let mail = try #require(smtp.mails.withLockedValue { $0.first })
        #expect(mail.authenticated)
        #expect(mail.recipients == ["RCPT TO:<smtp@example.com>"])
        #expect(mail.from.contains("<no-reply@imageswiss.local>"))
        #expect(mail.data.contains("Subject: Confirm your ImageSwiss email address"))
        #expect(mail.data.contains("https://app.imageswiss.test/#/verify?token="))
        try await Self.waitUntil {
            try await stack.database.query("SELECT 1 FROM outbox WHERE sent_at IS NOT NULL").count == 1
        }
        #expect(!FileManager.default.fileExists(atPath: stack.mailDirectory + "/1.eml"))
    }

    static func waitUntil(_ condition: () async throws -> Bool) async throws {
        let end = ContinuousClock.now + .seconds(10)
        while try await !condition() {
            guard ContinuousClock.now < end else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
