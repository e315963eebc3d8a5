import Foundation
import ImageSwissProtos

// The JSON shapes of /api/v1/auth, /api/v1/me and /api/v1/admin. snake_case; times in RFC 3339.

struct RegisterBody: Decodable {
    let email: String
    let password: String
    var display_name: String?
    var locale: String?
}

struct SignInBody: Decodable {
    let email: String
    let password: String
    /// "cookie" for browsers: tokens go into HttpOnly cookies instead of the body.
    var session: String?
}

struct RefreshBody: Decodable {
    var refresh_token: String?
}

struct EmailBody: Decodable { let email: String }
struct TokenBody: Decodable { let token: String }
struct ResetBody: Decodable {
    let token: String
    let new_password: String
}
struct PasswordChangeBody: Decodable {
    let current_password: String
    let new_password: String
}
struct PasswordBody: Decodable { let password: String }
struct ProfileBody: Decodable {
    var display_name: String?
    var avatar_blob_id: String?
    var locale: String?
}
struct ApiKeyBody: Decodable {
    let name: String
    var scopes: [String]?
    var expires_in_days: UInt32?
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
    let id, email, display_name, role: String
    let email_verified, disabled: Bool
    let created_at: String?
    let avatar_blob_id, locale: String

    init(_ account: AuthAccount) {
        (self.id, self.email, self.display_name, self.role) = (
            account.userID, account.email, account.displayName, account.role
        )
        (self.email_verified, self.disabled) = (account.emailVerified, account.disabled)
        self.created_at = rfc3339(account.createdAt)
        (self.avatar_blob_id, self.locale) = (account.avatarBlobID, account.locale)
    }
}

struct TokensJSON: Encodable {
    let access_token, refresh_token, token_type: String
    let access_expires_at, refresh_expires_at: String?

    init(_ pair: AuthTokenPair) {
        (self.access_token, self.refresh_token, self.token_type) = (pair.accessToken, pair.refreshToken, "Bearer")
        (self.access_expires_at, self.refresh_expires_at) = (
            rfc3339(pair.accessExpiresAt), rfc3339(pair.refreshExpiresAt)
        )
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
    let created_at, last_used_at, expires_at: String?
    let revoked, expired: Bool
    /// Only in the answer to its creation.
    var secret: String?
    /// A retried creation: the same key, its secret not shown again (it was never stored).
    var replayed: Bool?

    init(_ key: AuthApiKey, secret: String? = nil, replayed: Bool = false) {
        (self.id, self.name, self.prefix, self.scopes) = (key.keyID, key.name, key.prefix, key.scopes)
        (self.created_at, self.last_used_at, self.revoked) = (
            rfc3339(key.createdAt), rfc3339(key.lastUsedAt), key.revoked
        )
        (self.expires_at, self.expired) = (rfc3339(key.expiresAt), key.expired)
        self.secret = secret?.isEmpty == false ? secret : nil
        self.replayed = replayed ? true : nil
    }
}

struct SignInEventJSON: Encodable {
    let at: String?
    let client_ip, user_agent: String
    let succeeded: Bool
}

struct AuditEntryJSON: Encodable {
    let id: Int64
    let actor_id, action, target_id: String
    let detail: [String: String]
    let at: String?
}

struct Page<Item: Encodable>: Encodable {
    let items: [Item]
    let next_page_token: String?
}

struct OK: Encodable { var ok = true }
