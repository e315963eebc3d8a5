import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import RPC

/// /api/v1/notifications over Auth: the caller's notifications (unread count, mark read), their
/// mail preferences per kind, and the one-click unsubscribe a mail's link or its List-Unsubscribe
/// header posts to, which needs only the link's token (RFC 8058). The credits-low threshold is
/// Billing's (its ledger decides the warning).
struct NotificationRoutes {
    let auth: RPCClient
    let billing: RPCClient

    func add(to router: Router<EdgeRequestContext>) {
        let notifications = router.group("api/v1/notifications")
        notifications.requiring(.scope("profile:read")).get(use: self.list)
        notifications.requiring(.session).post("read", use: self.markRead)
        notifications.requiring(.scope("profile:read")).get("preferences", use: self.preferences)
        notifications.requiring(.session).put("preferences", use: self.setPreferences)
        notifications.post("unsubscribe", use: self.unsubscribe)
        notifications.requiring(.scope("billing:read")).get("credits-low", use: self.creditsLow)
        notifications.requiring(.session).put("credits-low", use: self.setCreditsLow)
    }

    @Sendable func creditsLow(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let alert = try await self.billing.unary(
            BillingMethods.getLowBalanceAlert, BillingGetLowBalanceAlertRequest(),
            options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(LowBalanceAlertJSON(alert), request: request, context: context)
    }

    @Sendable func setCreditsLow(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: LowBalanceAlertBody.self, context: context)
        var call = BillingSetLowBalanceAlertRequest()
        call.useDefault = body.useDefault ?? false
        guard let threshold = body.threshold ?? (call.useDefault ? 0 : nil) else {
            throw EdgeError(
                .badRequest, "invalid_argument", "give threshold (credits) or use_default: true", field: "threshold")
        }
        call.threshold = threshold
        let alert = try await self.billing.unary(
            BillingMethods.setLowBalanceAlert, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(LowBalanceAlertJSON(alert), request: request, context: context)
    }

    @Sendable func list(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = AuthListNotificationsRequest()
        call.page = QueryValues.page(request)
        call.unreadOnly = request.uri.queryParameters["unread"] == "true"
        let page = try await self.auth.unary(
            AuthMethods.listNotifications, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(
            NotificationPage(
                items: page.notifications.map(NotificationJSON.init), nextPageToken: QueryValues.nextToken(page.page),
                unreadCount: page.unreadCount),
            request: request, context: context)
    }

    @Sendable func markRead(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: MarkReadBody.self, context: context)
        var call = AuthMarkNotificationsReadRequest()
        call.notificationIds = body.ids ?? []
        call.all = body.all ?? false
        let unread = try await self.auth.unary(
            AuthMethods.markNotificationsRead, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(
            UnreadCountJSON(unreadCount: unread.unreadCount), request: request, context: context)
    }

    @Sendable func preferences(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let preferences = try await self.auth.unary(
            AuthMethods.getNotificationPreferences, AuthGetNotificationPreferencesRequest(),
            options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(NotificationPreferencesJSON(preferences), request: request, context: context)
    }

    @Sendable func setPreferences(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: NotificationPreferencesJSON.self, context: context)
        var call = AuthNotificationPreferences()
        call.preferences = body.preferences.map { preference in
            var message = AuthNotificationPreference()
            message.kind = preference.kind
            message.mail = preference.mail
            return message
        }
        let preferences = try await self.auth.unary(
            AuthMethods.setNotificationPreferences, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(NotificationPreferencesJSON(preferences), request: request, context: context)
    }

    /// The token comes in the query (the List-Unsubscribe address, posted by a mail client with the
    /// form body `List-Unsubscribe=One-Click`) or as `{"token": …}` (the web app's page).
    @Sendable func unsubscribe(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        var call = AuthUnsubscribeRequest()
        if let token = request.uri.queryParameters["token"] {
            call.token = String(token)
        } else {
            call.token = try await request.decode(as: TokenBody.self, context: context).token
        }
        let answer = try await self.auth.unary(AuthMethods.unsubscribe, call, options: EdgeCalls.options(context))
        return try JSONAnswer.response(UnsubscribedJSON(kind: answer.kind), request: request, context: context)
    }
}
