import ImageSwissProtos

struct NotificationJSON: Encodable {
    let id: Int64
    let kind, title, body: String
    let link: String?
    let params: [String: String]
    let read: Bool
    let createdAt: String?

    init(_ notification: AuthNotification) {
        (self.id, self.kind, self.title, self.body) = (
            notification.notificationID, notification.kind, notification.title, notification.body
        )
        self.link = notification.link.isEmpty ? nil : notification.link
        self.params = notification.params
        self.read = notification.read
        self.createdAt = rfc3339(notification.createdAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, title, body, link, params, read
        case createdAt = "created_at"
    }
}

struct NotificationPage: Encodable {
    let items: [NotificationJSON]
    let nextPageToken: String?
    let unreadCount: UInt64

    enum CodingKeys: String, CodingKey {
        case items
        case nextPageToken = "next_page_token"
        case unreadCount = "unread_count"
    }
}

struct UnreadCountJSON: Encodable {
    let unreadCount: UInt64

    enum CodingKeys: String, CodingKey {
        case unreadCount = "unread_count"
    }
}

struct MarkReadBody: Decodable {
    var ids: [Int64]?
    var all: Bool?
}

struct NotificationPreferenceJSON: Codable {
    var kind: String
    var mail: Bool
}

struct NotificationPreferencesJSON: Codable {
    var preferences: [NotificationPreferenceJSON]

    init(_ preferences: AuthNotificationPreferences) {
        self.preferences = preferences.preferences.map { NotificationPreferenceJSON(kind: $0.kind, mail: $0.mail) }
    }
}

struct UnsubscribedJSON: Encodable {
    let kind: String
    var unsubscribed = true
}

struct LowBalanceAlertJSON: Encodable {
    let threshold: Int64
    let isDefault: Bool

    init(_ alert: BillingLowBalanceAlert) { (self.threshold, self.isDefault) = (alert.threshold, alert.isDefault) }

    enum CodingKeys: String, CodingKey {
        case threshold
        case isDefault = "is_default"
    }
}

/// `{"threshold": 20}` sets it, `{"use_default": true}` goes back to the default.
struct LowBalanceAlertBody: Decodable {
    var threshold: Int64?
    var useDefault: Bool?

    enum CodingKeys: String, CodingKey {
        case threshold
        case useDefault = "use_default"
    }
}
