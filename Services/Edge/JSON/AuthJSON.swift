import Foundation
import ImageSwissProtos

// The JSON shapes of /api/v1/auth, /api/v1/me and /api/v1/admin. camelCase in Swift, snake_case on the wire
// (CodingKeys); times in RFC 3339.

struct RegisterBody: Decodable {
    let email: String
    let password: String
    var displayName: String?
    var locale: String?

    enum CodingKeys: String, CodingKey {
        case email, password, locale
        case displayName = "display_name"
    }
}

struct SignInBody: Decodable {
    let email: String
    let password: String
    /// "cookie" for browsers: tokens go into HttpOnly cookies instead of the body.
    var session: String?
}

struct RefreshBody: Decodable {
    var refreshToken: String?

    enum CodingKeys: String, CodingKey {
        case refreshToken = "refresh_token"
    }
}

struct EmailBody: Decodable { let email: String }
struct TokenBody: Decodable { let token: String }
struct ResetBody: Decodable {
    let token: String
    let newPassword: String

    enum CodingKeys: String, CodingKey {
        case token
        case newPassword = "new_password"
    }
}
struct PasswordChangeBody: Decodable {
    let currentPassword: String
    let newPassword: String

    enum CodingKeys: String, CodingKey {
        case currentPassword = "current_password"
        case newPassword = "new_password"
    }
}
struct PasswordBody: Decodable { let password: String }
struct ProfileBody: Decodable {
    var displayName: String?
    var avatarBlobID: String?
    var locale: String?

    enum CodingKeys: String, CodingKey {
        case locale
        case displayName = "display_name"
        case avatarBlobID = "avatar_blob_id"
    }
}
struct ApiKeyBody: Decodable {
    let name: String
    var scopes: [String]?
    var expiresInDays: UInt32?

    enum CodingKeys: String, CodingKey {
        case name, scopes
        case expiresInDays = "expires_in_days"
    }
}

struct ApiKeyUsageJSON: Encodable {
    struct Day: Encodable {
        let day: String
        let calls, errors: UInt64
    }
    let days: [Day]
    let calls, errors: UInt64
}
struct UserStateBody: Decodable {
    var disabled: Bool?
    var role: String?
}

func rfc3339(_ timestamp: CommonTimestamp) -> String? {
    guard timestamp.unixMicros != 0 else { return nil }
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date(timeIntervalSince1970: Double(timestamp.unixMicros) / 1e6))
}

struct AccountJSON: Encodable {
    let id, email, displayName, role: String
    let emailVerified, disabled: Bool
    let createdAt: String?
    let avatarBlobID, locale: String

    init(_ account: AuthAccount) {
        (self.id, self.email, self.displayName, self.role) = (
            account.userID, account.email, account.displayName, account.role
        )
        (self.emailVerified, self.disabled) = (account.emailVerified, account.disabled)
        self.createdAt = rfc3339(account.createdAt)
        (self.avatarBlobID, self.locale) = (account.avatarBlobID, account.locale)
    }

    enum CodingKeys: String, CodingKey {
        case id, email, role, disabled, locale
        case displayName = "display_name"
        case emailVerified = "email_verified"
        case createdAt = "created_at"
        case avatarBlobID = "avatar_blob_id"
    }
}

struct TokensJSON: Encodable {
    let accessToken, refreshToken, tokenType: String
    let accessExpiresAt, refreshExpiresAt: String?

    init(_ pair: AuthTokenPair) {
        (self.accessToken, self.refreshToken, self.tokenType) = (pair.accessToken, pair.refreshToken, "Bearer")
        (self.accessExpiresAt, self.refreshExpiresAt) = (
            rfc3339(pair.accessExpiresAt), rfc3339(pair.refreshExpiresAt)
        )
    }

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case refreshToken = "refresh_token"
        case tokenType = "token_type"
        case accessExpiresAt = "access_expires_at"
        case refreshExpiresAt = "refresh_expires_at"
    }
}

struct SignInJSON: Encodable {
    let account: AccountJSON
    /// Absent for cookie sessions.
    let tokens: TokensJSON?
}

struct ApiKeyJSON: Encodable {
    let id, name, prefix: String
    let scopes: [String]
    let createdAt, lastUsedAt, expiresAt: String?
    let revoked, expired: Bool
    /// Only in the answer to its creation.
    var secret: String?
    /// A retried creation: the same key, its secret not shown again (it was never stored).
    var replayed: Bool?

    init(_ key: AuthApiKey, secret: String? = nil, replayed: Bool = false) {
        (self.id, self.name, self.prefix, self.scopes) = (key.keyID, key.name, key.prefix, key.scopes)
        (self.createdAt, self.lastUsedAt, self.revoked) = (
            rfc3339(key.createdAt), rfc3339(key.lastUsedAt), key.revoked
        )
        (self.expiresAt, self.expired) = (rfc3339(key.expiresAt), key.expired)
        self.secret = secret?.isEmpty == false ? secret : nil
        self.replayed = replayed ? true : nil
    }

    enum CodingKeys: String, CodingKey {
        case id, name, prefix, scopes, revoked, expired, secret, replayed
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
        case expiresAt = "expires_at"
    }
}

struct SignInEventJSON: Encodable {
    let at: String?
    let clientIP, userAgent: String
    let succeeded: Bool

    enum CodingKeys: String, CodingKey {
        case at, succeeded
        case clientIP = "client_ip"
        case userAgent = "user_agent"
    }
}

struct AuditEntryJSON: Encodable {
    let id: Int64
    let actorID, action, targetID: String
    let detail: [String: String]
    let at: String?

    enum CodingKeys: String, CodingKey {
        case id, action, detail, at
        case actorID = "actor_id"
        case targetID = "target_id"
    }
}

struct Page<Item: Encodable>: Encodable {
    let items: [Item]
    let nextPageToken: String?

    enum CodingKeys: String, CodingKey {
        case items
        case nextPageToken = "next_page_token"
    }
}

struct OK: Encodable { var ok = true }
