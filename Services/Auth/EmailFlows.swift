import Foundation
import Logging
import Postgres
import ServiceRuntime
import Tokens

/// Email verification and password reset: single-use tokens from the CSPRNG, stored as SHA-256,
/// expiring, mailed through the outbox. Requests answer at once and do the lookup afterwards, so
/// the answer and its timing say nothing about whether an address has an account.
struct EmailFlows: Sendable {
    let database: PostgresPool
    let configuration: AuthConfiguration
    let logger: Logger

    enum Purpose: String {
        case verifyEmail = "verify_email"
        case resetPassword = "reset_password"
    }

    /// Queues a verification mail for an unverified account with this address (called on register).
    func sendVerification(to email: String) async throws {
        guard let account = try await AccountRecord.find(email: email, in: self.database), !account.emailVerified else {
            return
        }
        let token = try await self.issue(.verifyEmail, for: account.id, ttl: self.configuration.verifyEmailTTL)
        try await self.enqueue(
            to: email, subject: "Confirm your ImageSwiss email address",
            body: """
                Hello,

                please confirm that this is your address by opening this link:

                \(self.configuration.publicURL)/#/verify?token=\(token)

                The link works once and expires in \(self.configuration.verifyEmailTTL.seconds / 3600) hours. If you did not
                create an ImageSwiss account, ignore this mail.
                """)
    }

    /// Answers immediately; mails a link when the address has an unverified account.
    func requestVerification(_ rawEmail: String) {
        guard let email = Validation.normalizedEmail(rawEmail) else { return }
        self.detached("verification") { try await self.sendVerification(to: email) }
    }

    /// Answers immediately; mails a reset link when the address has an account.
    func requestReset(_ rawEmail: String) {
        guard let email = Validation.normalizedEmail(rawEmail) else { return }
        self.detached("password reset") {
            guard let account = try await AccountRecord.find(email: email, in: self.database), !account.disabled else {
                return
            }
            let token = try await self.issue(.resetPassword, for: account.id, ttl: self.configuration.resetPasswordTTL)
            try await self.enqueue(
                to: email, subject: "Reset your ImageSwiss password",
                body: """
                    Hello,

                    someone (hopefully you) asked to reset the password of this ImageSwiss account. To choose a
                    new password, open:

                    \(self.configuration.publicURL)/#/reset?token=\(token)

                    The link works once and expires in \(self.configuration.resetPasswordTTL.seconds / 60) minutes. If it was
                    not you, ignore this mail: your password stays as it is.
                    """)
        }
    }

    /// Uses up a token; returns its account, or throws when it is unknown, used or expired.
    func consume(_ token: String, _ purpose: Purpose, in session: PostgresSession) async throws -> UUID {
        guard token.utf8.count <= 128,
            let row = try await session.query(
                """
                UPDATE email_tokens SET used_at = now()
                WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
                RETURNING user_id
                """, [OpaqueToken.digest(token), purpose.rawValue]
            ).first
        else { throw failure.invalidEmailToken }
        return try row.decode("user_id")
    }

    private func issue(_ purpose: Purpose, for userID: UUID, ttl: Duration) async throws -> String {
        let token = OpaqueToken.generate()
        try await self.database.execute(
            """
            INSERT INTO email_tokens (token_hash, user_id, purpose, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))
            """, [OpaqueToken.digest(token), userID, purpose.rawValue, Int(ttl.seconds)])
        return token
    }

    private func enqueue(to recipient: String, subject: String, body: String) async throws {
        try await self.database.execute(
            "INSERT INTO outbox (recipient, subject, body) VALUES ($1, $2, $3)", [recipient, subject, body])
    }

    private func detached(_ what: String, _ body: @escaping @Sendable () async throws -> Void) {
        let logger = self.logger
        Task.detached {
            do { try await body() } catch { logger.error("\(what) mail not queued", metadata: ["error": "\(error)"]) }
        }
    }
}
