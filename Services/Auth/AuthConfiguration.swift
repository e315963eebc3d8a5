import Foundation
import PasswordHashing
import ServiceRuntime

/// Auth's settings (AUTH_* environment variables; docs/configuration.md lists them all).
struct AuthConfiguration: Sendable {
    var accessTokenTTL: Duration
    var refreshTokenTTL: Duration
    var argon2: Argon2id.Parameters
    /// Concurrent argon2 computations (each takes `argon2.memoryKiB` of memory), and how many may wait.
    var hashWorkers: Int
    var hashQueue: Int
    /// Registering with this address makes the account an admin; an existing account is promoted at start.
    var firstAdminEmail: String?
    /// The web app's address: links in emails are built from it, never from a request's Host header.
    var publicURL: String
    var mailDirectory: String
    var mailFrom: String
    var mailPollInterval: Duration
    /// The wait after a failed delivery; doubled after each further failure.
    var mailRetryBase: Duration
    /// SMTP delivery (smtp://host:587 with STARTTLS, smtps://host:465); nil writes .eml files instead.
    var smtpURL: String?
    var smtpUsername: String?
    var smtpPassword: String?
    var smtpRequireTLS: Bool
    var verifyEmailTTL: Duration
    /// AUTH_TEAM_INVITATION_TTL_S: how long a team invitation's link works (7 days).
    var teamInvitationTTL: Duration
    var resetPasswordTTL: Duration
    /// AUTH_HANDOFF_TTL_S: how long a desktop → phone hand-off lasts, link and uploads (15 minutes).
    var handoffTTL: Duration
    /// Failed sign-ins before an account (or an address) is locked, the first lockout (doubling with
    /// every further failure, up to the maximum), and how long failures are remembered.
    var accountLockoutThreshold: Int
    var ipLockoutThreshold: Int
    var lockoutBase: Duration
    var lockoutMax: Duration
    var failureWindow: Duration

    init(_ configuration: ServiceConfiguration) throws {
        self.accessTokenTTL = .seconds(try configuration.int("ACCESS_TOKEN_TTL_S", default: 900))
        self.refreshTokenTTL = .seconds(try configuration.int("REFRESH_TOKEN_TTL_S", default: 30 * 86_400))
        self.argon2 = Argon2id.Parameters(
            memoryKiB: UInt32(try configuration.int("ARGON2_MEMORY_KIB", default: 19 * 1024)),
            iterations: UInt32(try configuration.int("ARGON2_ITERATIONS", default: 2)),
            parallelism: UInt32(try configuration.int("ARGON2_PARALLELISM", default: 1))
        )
        guard self.argon2.memoryKiB >= 8 * 1024, self.argon2.iterations >= 1, self.argon2.parallelism >= 1 else {
            throw ConfigurationError("AUTH_ARGON2_* below the floor (8 MiB, 1 iteration, 1 lane)")
        }
        self.hashWorkers = max(
            1, try configuration.int("HASH_WORKERS", default: ProcessInfo.processInfo.activeProcessorCount))
        self.hashQueue = max(0, try configuration.int("HASH_QUEUE", default: 64))
        self.firstAdminEmail = configuration.string("FIRST_ADMIN_EMAIL").flatMap(Validation.normalizedEmail)
        self.publicURL = configuration.string("PUBLIC_URL", default: "http://127.0.0.1:8080")
        self.mailDirectory = configuration.string("MAIL_DIR", default: ".data/mail")
        self.mailFrom = configuration.string("MAIL_FROM", default: "ImageSwiss <no-reply@imageswiss.local>")
        self.mailPollInterval = try configuration.milliseconds("MAIL_POLL_MS", default: .milliseconds(500))
        self.mailRetryBase = try configuration.milliseconds("MAIL_RETRY_BASE_MS", default: .seconds(2))
        self.smtpURL = configuration.string("SMTP_URL").flatMap { $0.isEmpty ? nil : $0 }
        self.smtpUsername = configuration.string("SMTP_USERNAME")
        self.smtpPassword = configuration.string("SMTP_PASSWORD")
        self.smtpRequireTLS = configuration.string("SMTP_REQUIRE_TLS", default: "true") != "false"
        if let url = self.smtpURL, !(url.hasPrefix("smtp://") || url.hasPrefix("smtps://")) {
            throw ConfigurationError("AUTH_SMTP_URL must start with smtp:// or smtps://")
        }
        self.verifyEmailTTL = .seconds(try configuration.int("VERIFY_EMAIL_TTL_S", default: 86_400))
        self.resetPasswordTTL = .seconds(try configuration.int("RESET_PASSWORD_TTL_S", default: 3_600))
        self.teamInvitationTTL = .seconds(try configuration.int("TEAM_INVITATION_TTL_S", default: 7 * 86_400))
        guard self.teamInvitationTTL >= .seconds(60) else {
            throw ConfigurationError("AUTH_TEAM_INVITATION_TTL_S must be at least 60")
        }
        self.handoffTTL = .seconds(try configuration.int("HANDOFF_TTL_S", default: 900))
        guard (60...86_400).contains(self.handoffTTL.components.seconds) else {
            throw ConfigurationError("AUTH_HANDOFF_TTL_S must be from 60 to 86400")
        }
        self.accountLockoutThreshold = try configuration.int("LOCKOUT_THRESHOLD", default: 5)
        self.ipLockoutThreshold = try configuration.int("IP_LOCKOUT_THRESHOLD", default: 50)
        self.lockoutBase = .seconds(try configuration.int("LOCKOUT_BASE_S", default: 30))
        self.lockoutMax = .seconds(try configuration.int("LOCKOUT_MAX_S", default: 3_600))
        self.failureWindow = .seconds(try configuration.int("FAILURE_WINDOW_S", default: 900))
    }
}

extension Duration {
    /// Whole seconds, for SQL intervals and JWT times.
    var seconds: Int64 { self.components.seconds }
}
