import ImageSwissProtos

struct NotificationJSON: Encodable {
    let id: Int64
    let kind, title, body: String
    let link: String?
    let params: [String: String]
    let read: Bool
    let created_at: String?

    init(_ notification: AuthNotification) {
        (self.id, self.kind, self.title, self.body) = (
            notification.notificationID, notification.kind, notification.title, notification.body
        )
        self.link = notification.link.isEmpty ? nil : notification.link
        self.params = notification.params
        self.read = notification.read
        self.created_at = rfc3339(notification.createdAt)
    }
}

struct NotificationPage: Encodable {
    let items: [NotificationJSON]
    let next_page_token: String?
    let unread_count: UInt64
}

struct UnreadCountJSON: Encodable {
    let unread_count: UInt64
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
    let is_default: Bool

    init(_ alert: BillingLowBalanceAlert) { (self.threshold, self.is_default) = (alert.threshold, alert.isDefault) }
}

/// `{"threshold": 20}` sets it, `{"use_default": true}` goes back to the default.
struct LowBalanceAlertBody: Decodable {
    var threshold: Int64?
    var use_default: Bool?
}
