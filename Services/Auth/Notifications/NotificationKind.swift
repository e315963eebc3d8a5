/// Every kind of notification: its name on the wire, whether it is mailed unless the account says
/// otherwise, and where in the web app it leads. The words are in NotificationText.
enum NotificationKind: String, CaseIterable, Sendable {
    case batchCompleted = "batch_completed"
    case jobFailed = "job_failed"
    case creditsLow = "credits_low"
    case paymentFailed = "payment_failed"
    case receipt = "receipt"
    case subscriptionEnding = "subscription_ending"
    case modelTrained = "model_trained"
    /// For admins: a provider's or a tier's daily AI spend limit held runs back.
    case spendLimitReached = "spend_limit_reached"

    /// For error messages: every kind's name.
    static let names = allCases.map(\.rawValue).joined(separator: ", ")

    /// Mailed by default. A single job's failure is in-app only: a developer's jobs are many and
    /// their webhooks say it; a batch's failures are counted in its `batch_completed` mail.
    var mailedByDefault: Bool { self != .jobFailed }

    /// The web app's page for it (a fragment route, so it opens from a mail client).
    func link(_ params: [String: String]) -> String {
        if let team = params["team_id"] { return "/#/teams/\(team)" }
        switch self {
        case .batchCompleted: return params["batch_id"].map { "/#/batch/\($0)" } ?? "/#/gallery"
        case .jobFailed: return "/#/history?status=failed"
        case .modelTrained: return "/#/models"
        case .spendLimitReached: return "/#/admin"
        case .creditsLow, .paymentFailed, .receipt, .subscriptionEnding: return "/#/billing"
        }
    }
}
