import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// Registration, sign-in and what a user does with their own account.
struct AccountService: Sendable {
    let database: PostgresPool
    let hasher: PasswordHasher
    let sessions: Sessions
    let throttle: Throttle
    let emails: EmailFlows
    let commonPasswords: CommonPasswords
    let configuration: AuthConfiguration
    let idempotency: IdempotentCalls

    func register(_ request: AuthRegisterRequest) async throws -> AuthAccount {
        let email = try Validation.email(request.email)
        try Validation.newPassword(request.password, email: email, common: self.commonPasswords)
        let displayName = try Validation.displayName(request.displayName)
        let locale = try Validation.locale(request.locale)
        let hash = try await self.hasher.hash(request.password)
        let role = email == self.configuration.firstAdminEmail ? "admin" : "user"
        let account = try await self.idempotency.run(
            caller: "register:\(email)", method: "Register", key: request.idempotencyKey, request: request
        ) { session in
            let id = UUID()
            do {
                try await session.execute(
                    """
                    INSERT INTO accounts (id, email, password_hash, display_name, role, locale) VALUES ($1, $2, $3, $4, $5, $6)
                    """, [id, email, hash, displayName, role, locale])
            } catch let error as PostgresError where error.isUniqueViolation {
                throw failure.emailTaken
            }
            guard let record = try await AccountRecord.find(id: id, in: session) else {
                throw failure.internalError("account vanished")
            }
            return record.message
        }
        try await self.emails.sendVerification(to: email)
        return account
    }

    /// One answer for every kind of failure, and the same work for each: the password is hashed
    /// even when the email is unknown, the account locked or disabled.
    func signIn(_ request: AuthSignInRequest) async throws -> AuthSignInResponse {
        let email = Validation.normalizedEmail(request.email) ?? ""
        let address = Validation.printable(request.clientIp, maxLength: 64)
        let userAgent = Validation.printable(request.userAgent, maxLength: 256)
        let locked = try await self.throttle.refuses(account: email, address: address)
        let account = email.isEmpty ? nil : try await AccountRecord.find(email: email, in: self.database)
        let passwordMatches = try await self.hasher.verify(
            request.password, against: account?.passwordHash ?? self.hasher.decoyHash)
        guard let account, passwordMatches, !locked, !account.disabled else {
            // Attempts refused only because of a lock do not extend it: the owner can still get in later.
            if !passwordMatches || account == nil {
                try await self.throttle.recordFailure(account: email, address: address)
            }
            if let account {
                try await Self.recordSignIn(account.id, address, userAgent, succeeded: false, in: self.database)
            }
            throw failure.invalidCredentials
        }
        try await self.throttle.clear(account: email)
        if self.hasher.needsUpgrade(account.passwordHash) {
            // Stronger parameters since this hash was made: the password is at hand, so upgrade now.
            let upgraded = try await self.hasher.hash(request.password)
            try await self.database.execute(
                "UPDATE accounts SET password_hash = $2 WHERE id = $1", [account.id, upgraded])
        }
        try await Self.recordSignIn(account.id, address, userAgent, succeeded: true, in: self.database)
        var response = AuthSignInResponse()
        response.account = account.message
        response.tokens = try await self.database.transaction { try await self.sessions.start(for: account, in: $0) }
        return response
    }

    func account(_ id: UUID) async throws -> AuthAccount {
        guard let record = try await AccountRecord.find(id: id, in: self.database) else {
            throw failure.notFound("account")
        }
        return record.message
    }

    func updateProfile(_ caller: UUID, _ request: AuthUpdateProfileRequest) async throws -> AuthAccount {
        let displayName = try request.hasDisplayName ? Validation.displayName(request.displayName) : nil
        let avatar = try request.hasAvatarBlobID ? Validation.blobID(request.avatarBlobID) : nil
        let locale = try request.hasLocale ? Validation.locale(request.locale) : nil
        return try await self.idempotency.run(
            caller: caller.uuidString, method: "UpdateProfile", key: request.idempotencyKey, request: request
        ) { session in
            try await session.execute(
                """
                UPDATE accounts SET display_name = coalesce($2, display_name), avatar_blob_id = coalesce($3, avatar_blob_id),
                    locale = coalesce($4, locale), updated_at = now()
                WHERE id = $1
                """, [caller, displayName, avatar, locale])
            guard let record = try await AccountRecord.find(id: caller, in: session) else {
                throw failure.notFound("account")
            }
            return record.message
        }
    }

    /// Changes the password and signs out every other session.
    func changePassword(_ caller: UUID, session currentSession: UUID?, _ request: AuthChangePasswordRequest)
        async throws
    {
        guard let account = try await AccountRecord.find(id: caller, in: self.database) else {
            throw failure.notFound("account")
        }
        guard try await self.hasher.verify(request.currentPassword, against: account.passwordHash) else {
            throw failure.wrongPassword
        }
        try Validation.newPassword(request.newPassword, email: account.email, common: self.commonPasswords)
        let hash = try await self.hasher.hash(request.newPassword)
        try await self.database.transaction { session in
            try await session.execute(
                "UPDATE accounts SET password_hash = $2, updated_at = now() WHERE id = $1", [caller, hash])
            try await Sessions.revokeAll(of: caller, keeping: currentSession, reason: "password changed", in: session)
        }
    }

    /// Deletes the account and, through foreign keys, its sessions, keys, tokens and history. The
    /// audit log keeps a line that it happened.
    func delete(_ caller: UUID, _ request: AuthDeleteAccountRequest) async throws {
        guard let account = try await AccountRecord.find(id: caller, in: self.database) else {
            throw failure.notFound("account")
        }
        guard try await self.hasher.verify(request.password, against: account.passwordHash) else {
            throw failure.error(.permissionDenied, "wrong_password", "the password is wrong", field: "password")
        }
        try await self.database.transaction { session in
            try await session.execute("DELETE FROM accounts WHERE id = $1", [caller])
            // Hand-offs name the account without a foreign key (Auth migration 9).
            try await session.execute("DELETE FROM handoffs WHERE user_id = $1", [caller])
            try await AuditLog.append(
                actor: caller, action: "account.deleted", target: caller, detail: [:], in: session)
        }
    }

    func signInHistory(_ caller: UUID, limit: Int) async throws -> AuthSignInHistory {
        var history = AuthSignInHistory()
        history.events = try await self.database.query(
            """
            SELECT (extract(epoch FROM at) * 1000000)::bigint AS at_micros, client_ip, user_agent, succeeded
            FROM sign_ins WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT $2
            """, [caller, limit]
        ).map { row in
            var event = AuthSignInEvent()
            event.at = .micros(try row.decode("at_micros"))
            event.clientIp = try row.decode("client_ip")
            event.userAgent = try row.decode("user_agent")
            event.succeeded = try row.decode("succeeded")
            return event
        }
        return history
    }

    /// Everything Auth holds about the caller, secrets excepted (password hash, key and token hashes).
    func export(_ caller: UUID) async throws -> String {
        guard let account = try await AccountRecord.find(id: caller, in: self.database) else {
            throw failure.notFound("account")
        }
        let history = try await self.signInHistory(caller, limit: 1000)
        let keys = try await self.database.query(
            "SELECT name, prefix, scopes::text AS scopes, created_at::text AS created, last_used_at::text AS used, revoked_at::text AS revoked FROM api_keys WHERE user_id = $1 ORDER BY created_at",
            [caller]
        )
        let audit = try await self.database.query(
            "SELECT action, actor_id::text AS actor, detail::text AS detail, at::text AS at FROM audit_log WHERE target_id = $1 ORDER BY id",
            [caller]
        )
        let document: [String: Any] = [
            "account": [
                "id": account.id.uuidString.lowercased(), "email": account.email, "display_name": account.displayName,
                "role": account.role, "email_verified": account.emailVerified, "disabled": account.disabled,
                "avatar_blob_id": account.avatarBlobID, "locale": account.locale,
                "created_at": ISO8601DateFormatter().string(
                    from: Date(timeIntervalSince1970: Double(account.createdMicros) / 1e6)),
            ],
            "sign_ins": history.events.map { event in
                [
                    "at": ISO8601DateFormatter().string(
                        from: Date(timeIntervalSince1970: Double(event.at.unixMicros) / 1e6)),
                    "client_ip": event.clientIp, "user_agent": event.userAgent, "succeeded": event.succeeded,
                ] as [String: Any]
            },
            "api_keys": try keys.map { row in
                [
                    "name": try row.decode("name", as: String.self),
                    "prefix": try row.decode("prefix", as: String.self),
                    "scopes": try row.decode("scopes", as: String.self),
                    "created_at": try row.decode("created", as: String.self),
                    "last_used_at": try row.decodeIfPresent("used", as: String.self) ?? NSNull(),
                    "revoked_at": try row.decodeIfPresent("revoked", as: String.self) ?? NSNull(),
                ] as [String: Any]
            },
            "audit": try audit.map { row in
                [
                    "action": try row.decode("action", as: String.self),
                    "actor_id": try row.decode("actor", as: String.self),
                    "detail": try row.decode("detail", as: String.self), "at": try row.decode("at", as: String.self),
                ] as [String: Any]
            },
        ]
        let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted])
        return String(decoding: data, as: UTF8.self)
    }

    /// One line of the sign-in history (password and OAuth sign-ins); `address` and `userAgent`
    /// already cleaned with `Validation.printable`.
    static func recordSignIn(
        _ userID: UUID, _ address: String, _ userAgent: String, succeeded: Bool, in database: PostgresPool
    ) async throws {
        try await database.execute(
            "INSERT INTO sign_ins (user_id, client_ip, user_agent, succeeded) VALUES ($1, $2, $3, $4)",
            [userID, address, userAgent, succeeded]
        )
    }
}
