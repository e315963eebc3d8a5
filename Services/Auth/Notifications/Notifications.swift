import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// What happened to an account, told once: other services report events (Notify, keyed by the
/// event), each becomes a row of the in-app list and — when the account has a verified address,
/// is not disabled and wants mail of the kind — a mail in the outbox, written in the same
/// transaction, so an event is mailed exactly once however often it is reported.
struct Notifications: Sendable {
    let database: PostgresPool
    let links: UnsubscribeLinks
    let publicURL: String

    static let maxParams = 20
    /// The account id that names every admin.
    static let admins = "admins"
    static let maxParamBytes = 500
    static let maxEventKeyBytes = 200

    func notify(_ request: AuthNotifyRequest) async throws -> AuthNotifyResponse {
        guard let kind = NotificationKind(rawValue: request.kind) else {
            throw failure.invalid("kind", "one of \(NotificationKind.names)")
        }
        // "admins": an operator's notice (a spend limit reached), to every enabled admin account.
        let toAdmins = request.accountID == Self.admins
        let account =
            toAdmins
            ? UUID(uuidString: "00000000-0000-0000-0000-000000000000")!
            : try failure.parseID(request.accountID, "account")
        guard !request.eventKey.isEmpty, request.eventKey.utf8.count <= Self.maxEventKeyBytes else {
            throw failure.invalid("event_key", "1 to \(Self.maxEventKeyBytes) bytes")
        }
        guard request.params.count <= Self.maxParams,
            request.params.allSatisfy({ $0.key.utf8.count <= 64 && $0.value.utf8.count <= Self.maxParamBytes })
        else {
            throw failure.invalid("params", "at most \(Self.maxParams), each value at most \(Self.maxParamBytes) bytes")
        }
        try Self.check(request.attachments)
        var response = AuthNotifyResponse()
        response.created = try await self.database.transaction { session in
            // A team's event (its balance ran low, its credits were bought) is told to its owner and
            // admins, each under the event's key and their id, with the team's name.
            var params = request.params
            if let team = try await session.query("SELECT name FROM teams WHERE id = $1", [account]).first {
                params["team"] = try team.decode("name")
                params["team_id"] = account.lowercasedText
            }
            // An account deleted meanwhile inserts nothing, like a repeated event.
            let recipients: [UUID] = try await session.query(
                """
                INSERT INTO notifications (account_id, kind, event_key, params)
                SELECT r.id, $2, CASE WHEN r.id = $1 THEN $3 ELSE $3 || ':' || r.id END, $4::jsonb
                FROM (SELECT id FROM accounts WHERE id = $1
                      UNION ALL
                      SELECT account_id FROM team_members WHERE team_id = $1 AND role IN ('owner', 'admin')
                      UNION ALL
                      SELECT id FROM accounts WHERE $5 AND role = 'admin' AND NOT disabled) r
                ON CONFLICT (event_key) DO NOTHING RETURNING account_id
                """, [account, kind.rawValue, request.eventKey, try PostgresJSON.text(params), toAdmins]
            ).map { try $0.decode("account_id") }
            for recipient in recipients {
                try await self.mailIfWanted(recipient, kind, params, request.attachments, in: session)
            }
            return !recipients.isEmpty
        }
        return response
    }

    private func mailIfWanted(
        _ account: UUID, _ kind: NotificationKind, _ params: [String: String], _ attachments: [AuthMailAttachment],
        in session: PostgresSession
    ) async throws {
        guard
            let row = try await session.query(
                """
                SELECT a.email, a.locale, p.mail FROM accounts a
                LEFT JOIN notification_preferences p ON p.account_id = a.id AND p.kind = $2
                WHERE a.id = $1 AND a.email_verified AND NOT a.disabled
                """, [account, kind.rawValue]
            ).first,
            try row.decodeIfPresent("mail", as: Bool.self) ?? kind.mailedByDefault
        else { return }
        let language = NotificationText.Language(locale: try row.decode("locale"))
        let token = try await self.links.token(account: account, kind: kind)
        let mail = NotificationText.of(kind, params, in: language).mail(
            link: self.publicURL + kind.link(params), unsubscribeLink: self.publicURL + "/#/unsubscribe?token=" + token,
            settingsLink: self.publicURL + "/#/notifications", in: language)
        let outbox: Int64 = try await session.query(
            """
            INSERT INTO outbox (recipient, subject, body, html, unsubscribe_url) VALUES ($1, $2, $3, $4, $5)
            RETURNING id
            """,
            [
                try row.decode("email", as: String.self), mail.subject, mail.text, mail.html,
                self.publicURL + "/api/v1/notifications/unsubscribe?token=" + token,
            ]
        ).first!.decode("id")
        for (position, attachment) in attachments.enumerated() {
            try await session.execute(
                """
                INSERT INTO outbox_attachments (outbox_id, position, name, content_type, data)
                VALUES ($1, $2, $3, $4, $5)
                """, [outbox, position, attachment.name, attachment.contentType, [UInt8](attachment.data)])
        }
    }

    static let maxAttachments = 3
    static let maxAttachmentBytes = 4 << 20

    /// A few files of known types with plain names: they become MIME parts of a mail.
    private static func check(_ attachments: [AuthMailAttachment]) throws {
        guard attachments.count <= Self.maxAttachments,
            attachments.reduce(0, { $0 + $1.data.count }) <= Self.maxAttachmentBytes
        else {
            throw failure.invalid(
                "attachments", "at most \(Self.maxAttachments), \(Self.maxAttachmentBytes) bytes together")
        }
        for (index, attachment) in attachments.enumerated() {
            guard ["application/pdf", "image/png", "image/jpeg", "text/csv"].contains(attachment.contentType),
                (1...100).contains(attachment.name.utf8.count),
                attachment.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
            else {
                throw failure.invalid(
                    "attachments[\(index)]", "a PDF, PNG, JPEG or CSV with a plain name (letters, digits, - _ .)")
            }
        }
    }

    func list(_ account: UUID, _ request: AuthListNotificationsRequest) async throws -> AuthListNotificationsResponse {
        let pageSize = request.page.pageSize == 0 ? 50 : Int(min(request.page.pageSize, 200))
        var parameters = PostgresParameters([account])
        var conditions = ["account_id = $1"]
        if !request.page.pageToken.isEmpty {
            guard let before = Int64(request.page.pageToken) else {
                throw failure.invalid("page_token", "not a page token this service gave")
            }
            conditions.append("id < \(parameters.bind(before))")
        }
        if request.unreadOnly { conditions.append("read_at IS NULL") }
        let rows = try await self.database.query(
            """
            SELECT id, kind, params::text AS params, read_at IS NOT NULL AS read,
                (extract(epoch FROM created_at) * 1000000)::bigint AS created_us
            FROM notifications WHERE \(conditions.joined(separator: " AND ")) ORDER BY id DESC LIMIT \(pageSize + 1)
            """, parameters.values)
        let language = NotificationText.Language(
            locale: try await self.database.query("SELECT locale FROM accounts WHERE id = $1", [account]).first?.decode(
                "locale") ?? "")
        var response = AuthListNotificationsResponse()
        response.notifications = try rows.prefix(pageSize).compactMap { row in
            // A kind this release no longer knows is left out rather than failing the list.
            guard let kind = NotificationKind(rawValue: try row.decode("kind")) else { return nil }
            let params = try row.decodeJSON("params", as: [String: String].self)
            let text = NotificationText.of(kind, params, in: language)
            var notification = AuthNotification()
            notification.notificationID = try row.decode("id")
            notification.kind = kind.rawValue
            notification.title = text.title
            notification.body = text.body
            notification.link = kind.link(params)
            notification.params = params
            notification.read = try row.decode("read")
            notification.createdAt = .micros(try row.decode("created_us"))
            return notification
        }
        if rows.count > pageSize, let last = rows.prefix(pageSize).last {
            response.page.nextPageToken = "\(try last.decode("id", as: Int64.self))"
        }
        response.unreadCount = try await self.unreadCount(account)
        return response
    }

    func markRead(_ account: UUID, _ request: AuthMarkNotificationsReadRequest) async throws -> AuthUnreadCount {
        guard request.all || !request.notificationIds.isEmpty else {
            throw failure.invalid("notification_ids", "name notifications, or ask for all")
        }
        guard request.notificationIds.count <= 500 else { throw failure.invalid("notification_ids", "at most 500") }
        let ids = "{" + request.notificationIds.map(String.init).joined(separator: ",") + "}"
        try await self.database.execute(
            """
            UPDATE notifications SET read_at = now()
            WHERE account_id = $1 AND read_at IS NULL AND ($2 OR id = ANY ($3::bigint[]))
            """, [account, request.all, ids])
        var response = AuthUnreadCount()
        response.unreadCount = try await self.unreadCount(account)
        return response
    }

    private func unreadCount(_ account: UUID) async throws -> UInt64 {
        UInt64(
            try await self.database.query(
                "SELECT count(*) AS n FROM notifications WHERE account_id = $1 AND read_at IS NULL", [account]
            ).first!.decode("n", as: Int64.self))
    }

    func preferences(_ account: UUID) async throws -> AuthNotificationPreferences {
        let stored = try await self.database.query(
            "SELECT kind, mail FROM notification_preferences WHERE account_id = $1", [account])
        var chosen: [String: Bool] = [:]
        for row in stored { chosen[try row.decode("kind")] = try row.decode("mail") }
        var response = AuthNotificationPreferences()
        response.preferences = NotificationKind.allCases.map { kind in
            var preference = AuthNotificationPreference()
            preference.kind = kind.rawValue
            preference.mail = chosen[kind.rawValue] ?? kind.mailedByDefault
            return preference
        }
        return response
    }

    /// Sets the kinds named (the others keep their choice); answers them all.
    func setPreferences(_ account: UUID, _ request: AuthNotificationPreferences) async throws
        -> AuthNotificationPreferences
    {
        for (index, preference) in request.preferences.enumerated()
        where NotificationKind(rawValue: preference.kind) == nil {
            throw failure.invalid(
                "preferences[\(index)].kind",
                "one of \(NotificationKind.names)")
        }
        try await self.database.transaction { session in
            for preference in request.preferences {
                try await Self.choose(preference.mail, preference.kind, for: account, in: session)
            }
        }
        return try await self.preferences(account)
    }

    /// One-click unsubscribe: the token alone says whose mail of which kind stops.
    func unsubscribe(_ token: String) async throws -> AuthUnsubscribeResponse {
        guard let (account, kind) = try await self.links.verify(token) else {
            throw failure.error(.invalidArgument, "invalid_token", "this unsubscribe link is not valid", field: "token")
        }
        // An account deleted since the mail was sent has nothing left to stop.
        try await self.database.transaction { session in
            guard try await session.query("SELECT 1 FROM accounts WHERE id = $1", [account]).first != nil else {
                return
            }
            try await Self.choose(false, kind.rawValue, for: account, in: session)
        }
        var response = AuthUnsubscribeResponse()
        response.kind = kind.rawValue
        return response
    }

    private static func choose(_ mail: Bool, _ kind: String, for account: UUID, in session: PostgresSession)
        async throws
    {
        try await session.execute(
            """
            INSERT INTO notification_preferences (account_id, kind, mail) VALUES ($1, $2, $3)
            ON CONFLICT (account_id, kind) DO UPDATE SET mail = $3, updated_at = now()
            """, [account, kind, mail])
    }
}
