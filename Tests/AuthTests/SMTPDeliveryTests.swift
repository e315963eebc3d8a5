import Foundation
import TestSupport
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
        try await waitUntil {
            try await stack.database.query("SELECT 1 FROM outbox WHERE attempts >= 2 AND last_error LIKE '%550%'").count
                == 1
        }
        let attempts = try await stack.database.query("SELECT attempts FROM outbox").first!.decode(
            "attempts", as: Int.self)
        #expect(attempts < 6, "no backoff: \(attempts) attempts already")
        #expect(smtp.mails.withLockedValue { $0.isEmpty })
        // Accepted at a later attempt.
        smtp.rejectRecipients.withLockedValue { $0 = false }
        try await waitUntil { smtp.mails.withLockedValue { $0.count } == 1 }
        let mail = try #require(smtp.mails.withLockedValue { $0.first })
        #expect(mail.authenticated)
        #expect(mail.recipients == ["RCPT TO:<smtp@example.com>"])
        #expect(mail.from.contains("<no-reply@imageswiss.local>"))
        #expect(mail.data.contains("Subject: Confirm your ImageSwiss email address"))
        #expect(mail.data.contains("https://app.imageswiss.test/#/verify?token="))
        try await waitUntil {
            try await stack.database.query("SELECT 1 FROM outbox WHERE sent_at IS NOT NULL").count == 1
        }
        #expect(!FileManager.default.fileExists(atPath: stack.mailDirectory + "/1.eml"))
    }

    /// A server that refuses the credentials: each attempt fails with its answer kept, and the
    /// mail is given up after 10 attempts.
    @Test func badCredentialsAreRetriedTenTimesThenGivenUp() async throws {
        let smtp = try await FakeSMTPServer()
        let stack = try await AuthStack.start([
            "AUTH_SMTP_URL": "smtp://127.0.0.1:\(smtp.port)", "AUTH_SMTP_USERNAME": "mailer",
            "AUTH_SMTP_PASSWORD": "not the password", "AUTH_SMTP_REQUIRE_TLS": "false", "AUTH_MAIL_RETRY_BASE_MS": "1",
        ])
        defer {
            Task {
                await stack.stop()
                await smtp.stop()
            }
        }
        _ = try await stack.call(
            "POST", "/api/v1/auth/register", json: ["email": "denied@example.com", "password": "mail me a link please"])
        try await waitUntil {
            try await stack.database.query("SELECT 1 FROM outbox WHERE attempts >= 10").count == 1
        }
        let row = try #require(try await stack.database.query("SELECT attempts, last_error FROM outbox").first)
        let error = try row.decode("last_error", as: String.self)
        #expect(error.contains("535") || error.lowercased().contains("login denied"), "\(error)")
        // Given up: the last backoff (512 ms) is long past and there is no eleventh attempt.
        try await Task.sleep(for: .seconds(2))
        #expect(
            try await stack.database.query("SELECT attempts FROM outbox").first!.decode("attempts", as: Int.self) == 10)
        #expect(smtp.mails.withLockedValue { $0.isEmpty })
    }
}
