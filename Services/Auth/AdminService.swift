import Foundation
import ImageSwissProtos
import Postgres
import ServiceRuntime

/// What administrators do with other accounts. Every change is written to the audit log in the
/// same transaction.
struct AdminService: Sendable {
    let database: PostgresPool
    let idempotency: IdempotentCalls
    let keys: SigningKeys

    /// Accounts by email; `query` matches email or display name, case-insensitively, as plain text.
    func listUsers(_ request: AuthListUsersRequest) async throws -> AuthListUsersResponse {
        let pageSize = Int(request.pageSize == 0 ? 50 : min(request.pageSize, 200))
        let query = String(request.query.prefix(100))
        let pattern = LikePattern.containing(query)
        let rows = try await self.database.query(
            """
            SELECT \(AccountRecord.columns) FROM accounts
            WHERE (email ILIKE $1 OR display_name ILIKE $1) AND email > $2
            ORDER BY email LIMIT $3
            """, [pattern, request.pageToken, pageSize + 1])
        var response = AuthListUsersResponse()
        response.accounts = try rows.prefix(pageSize).map { try AccountRecord(row: $0).message }
        if rows.count > pageSize, let last = response.accounts.last { response.nextPageToken = last.email }
        return response
    }

    /// Disables/enables an account or changes its role. Admins cannot change their own account
    /// this way (so the last admin cannot lock everyone out). Disabling signs the user out everywhere.
    func setUserState(actor: UUID, _ request: AuthSetUserStateRequest) async throws -> AuthAccount {
        let target = try Validation.userID(request.userID)
        guard target != actor else {
            throw failure.error(
                .failedPrecondition, "own_account", "administrators cannot disable or demote themselves")
        }
        if request.hasRole, !["user", "admin"].contains(request.role) {
            throw failure.invalid("role", "must be user or admin")
        }
        return try await self.idempotency.run(
            caller: actor.uuidString, method: "SetUserState", key: request.idempotencyKey, request: request
        ) { session in
            guard
                let before = try await session.query(
                    "SELECT \(AccountRecord.columns) FROM accounts WHERE id = $1 FOR UPDATE", [target]
                )
                .first.map(AccountRecord.init(row:))
            else { throw failure.notFound("account") }
            if request.hasDisabled, request.disabled != before.disabled {
                try await session.execute(
                    "UPDATE accounts SET disabled = $2, updated_at = now() WHERE id = $1", [target, request.disabled])
                if request.disabled {
                    try await Sessions.revokeAll(of: target, reason: "disabled by an admin", in: session)
                }
                try await AuditLog.append(
                    actor: actor, action: request.disabled ? "user.disabled" : "user.enabled", target: target,
                    detail: ["email": before.email], in: session)
            }
            if request.hasRole, request.role != before.role {
                try await session.execute(
                    "UPDATE accounts SET role = $2, updated_at = now() WHERE id = $1", [target, request.role])
                try await AuditLog.append(
                    actor: actor, action: "user.role_changed", target: target,
                    detail: ["email": before.email, "from": before.role, "to": request.role], in: session)
            }
            guard let after = try await AccountRecord.find(id: target, in: session) else {
                throw failure.notFound("account")
            }
            return after.message
        }
    }

    func rotateSigningKey(actor: UUID) async throws -> AuthPublicKey {
        let published = try await self.keys.rotate()
        try await self.database.transaction { session in
            try await AuditLog.append(
                actor: actor, action: "signing_key.rotated", target: nil, detail: ["key_id": published.keyID],
                in: session)
        }
        return published.message
    }
}

extension SigningKeys.Published {
    var message: AuthPublicKey {
        var key = AuthPublicKey()
        key.keyID = self.keyID
        key.algorithm = "EdDSA"
        key.key = Data(self.publicKey)
        if let retiresAt { key.notAfter = .seconds(retiresAt) }
        return key
    }
}
