import Foundation
import ImageSwissProtos
import Postgres

/// One row of `accounts`, as the handlers use it.
struct AccountRecord: Sendable {
    let id: UUID
    let email: String
    let passwordHash: String
    let displayName: String
    let role: String
    let emailVerified: Bool
    let disabled: Bool
    let createdMicros: Int64
    let avatarBlobID: String
    let locale: String

    /// The columns `init(row:)` reads, for SELECT lists.
    static let columns = """
        id, email, password_hash, display_name, role, email_verified, disabled, avatar_blob_id, locale,
        (extract(epoch FROM created_at) * 1000000)::bigint AS created_micros
        """

    init(row: PostgresRow) throws {
        self.id = try row.decode("id")
        self.email = try row.decode("email")
        self.passwordHash = try row.decode("password_hash")
        self.displayName = try row.decode("display_name")
        self.role = try row.decode("role")
        self.emailVerified = try row.decode("email_verified")
        self.disabled = try row.decode("disabled")
        self.createdMicros = try row.decode("created_micros")
        self.avatarBlobID = try row.decode("avatar_blob_id")
        self.locale = try row.decode("locale")
    }

    var message: AuthAccount {
        var account = AuthAccount()
        account.userID = self.id.uuidString.lowercased()
        account.email = self.email
        account.displayName = self.displayName
        account.role = self.role
        account.emailVerified = self.emailVerified
        account.disabled = self.disabled
        account.createdAt = .micros(self.createdMicros)
        account.avatarBlobID = self.avatarBlobID
        account.locale = self.locale
        return account
    }

    static func find(id: UUID, in session: some PostgresQuerying) async throws -> AccountRecord? {
        try await session.query("SELECT \(Self.columns) FROM accounts WHERE id = $1", [id]).first.map(
            AccountRecord.init(row:))
    }

    static func find(email: String, in session: some PostgresQuerying) async throws -> AccountRecord? {
        try await session.query("SELECT \(Self.columns) FROM accounts WHERE email = $1", [email]).first.map(
            AccountRecord.init(row:))
    }
}
