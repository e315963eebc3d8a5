import Foundation
import Hummingbird
import ImageSwissProtos
import RPC

/// /api/v1/me: the caller's own account.
struct AccountRoutes {
    let auth: RPCClient
    let storage: RPCClient
    let cache: AccountCache

    func add(to router: Router<EdgeRequestContext>) {
        let me = router.group("api/v1/me")
        me.get { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.require(scope: "profile:read")
            if let body = self.cache.body(caller.userID) { return AuthRoutes.jsonResponse(body) }
            let account = try await self.auth.unary(
                AuthMethods.getAccount, AuthGetAccountRequest(), options: AuthRoutes.options(context, caller))
            let body = try AuthRoutes.encode(AccountJSON(account))
            self.cache.store(body, for: caller.userID)
            return AuthRoutes.jsonResponse(body)
        }
        me.patch { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.requireSession()
            let body = try await request.decode(as: ProfileBody.self, context: context)
            var call = AuthUpdateProfileRequest()
            if let name = body.display_name { call.displayName = name }
            if let avatar = body.avatar_blob_id { call.avatarBlobID = avatar }
            if let locale = body.locale { call.locale = locale }
            call.idempotencyKey = request.headers[AuthRoutes.idempotencyKey] ?? ""
            self.cache.forget(caller.userID)
            let account = try await self.auth.unary(
                AuthMethods.updateProfile, call, options: AuthRoutes.options(context, caller))
            self.cache.forget(caller.userID)
            return try AuthRoutes.json(AccountJSON(account), request: request, context: context)
        }
        me.delete { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.requireSession()
            var call = AuthDeleteAccountRequest()
            call.password = try await request.decode(as: PasswordBody.self, context: context).password
            let options = AuthRoutes.options(context, caller)
            _ = try await self.auth.unary(AuthMethods.deleteAccount, call, options: options)
            self.cache.forget(caller.userID)
            // The account is gone; its files go too. PurgeOwner is idempotent: retried on failure,
            // and a failure is logged for the operator (docs/operations.md) rather than undoing the deletion.
            do {
                _ = try await self.storage.unary(
                    StorageMethods.purgeOwner, StoragePurgeOwnerRequest(),
                    options: RPCCallOptions(timeout: .seconds(120), metadata: options.metadata))
            } catch {
                context.logger.error(
                    "files of a deleted account were not purged",
                    metadata: ["user": "\(caller.userID)", "error": "\(error)"])
            }
            var response = try AuthRoutes.json(OK(), request: request, context: context)
            SessionCookies.clear(on: &response)
            return response
        }
        me.post("password") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.requireSession()
            let body = try await request.decode(as: PasswordChangeBody.self, context: context)
            var call = AuthChangePasswordRequest()
            call.currentPassword = body.current_password
            call.newPassword = body.new_password
            _ = try await self.auth.unary(
                AuthMethods.changePassword, call, options: AuthRoutes.options(context, caller))
            return try AuthRoutes.json(OK(), request: request, context: context)
        }
        me.get("export") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.requireSession()
            let export = try await self.auth.unary(
                AuthMethods.exportAccount, AuthExportAccountRequest(), options: AuthRoutes.options(context, caller))
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/json; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"imageswiss-account.json\"",
                    .cacheControl: "no-store",
                ],
                body: .init(byteBuffer: ByteBuffer(string: export.json))
            )
        }
        me.get("sign-ins") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.require(scope: "profile:read")
            let history = try await self.auth.unary(
                AuthMethods.getSignInHistory, AuthSignInHistoryRequest(), options: AuthRoutes.options(context, caller))
            let items = history.events.map {
                SignInEventJSON(
                    at: rfc3339($0.at), client_ip: $0.clientIp, user_agent: $0.userAgent, succeeded: $0.succeeded)
            }
            return try AuthRoutes.json(Page(items: items, next_page_token: nil), request: request, context: context)
        }
    }
}

/// /api/v1/admin: users, roles, the audit log, key rotation. Admin sessions only.
struct AdminRoutes {
    let auth: RPCClient

    func add(to router: Router<EdgeRequestContext>) {
        let admin = router.group("api/v1/admin")
        admin.get("users") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.requireAdmin()
            var call = AuthListUsersRequest()
            call.query = request.uri.queryParameters["q"].map(String.init) ?? ""
            call.pageSize = request.uri.queryParameters["page_size"].flatMap { UInt32($0) } ?? 0
            call.pageToken = request.uri.queryParameters["page_token"].map(String.init) ?? ""
            let page = try await self.auth.unary(
                AuthMethods.listUsers, call, options: AuthRoutes.options(context, caller))
            return try AuthRoutes.json(
                Page(
                    items: page.accounts.map(AccountJSON.init),
                    next_page_token: page.nextPageToken.isEmpty ? nil : page.nextPageToken),
                request: request, context: context)
        }
        admin.get("users/:id") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.requireAdmin()
            var call = AuthGetAccountRequest()
            call.userID = context.parameters.get("id") ?? ""
            let account = try await self.auth.unary(
                AuthMethods.getAccount, call, options: AuthRoutes.options(context, caller))
            return try AuthRoutes.json(AccountJSON(account), request: request, context: context)
        }
        admin.patch("users/:id") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.requireAdmin()
            let body = try await request.decode(as: UserStateBody.self, context: context)
            var call = AuthSetUserStateRequest()
            call.userID = context.parameters.get("id") ?? ""
            if let disabled = body.disabled { call.disabled = disabled }
            if let role = body.role { call.role = role }
            call.idempotencyKey = request.headers[AuthRoutes.idempotencyKey] ?? ""
            let account = try await self.auth.unary(
                AuthMethods.setUserState, call, options: AuthRoutes.options(context, caller))
            return try AuthRoutes.json(AccountJSON(account), request: request, context: context)
        }
        admin.get("audit") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.requireAdmin()
            var call = AuthListAuditRequest()
            call.pageSize = request.uri.queryParameters["page_size"].flatMap { UInt32($0) } ?? 0
            call.pageToken = request.uri.queryParameters["page_token"].map(String.init) ?? ""
            let page = try await self.auth.unary(
                AuthMethods.listAudit, call, options: AuthRoutes.options(context, caller))
            let items = page.entries.map { entry in
                AuditEntryJSON(
                    id: entry.id, actor_id: entry.actorID, action: entry.action, target_id: entry.targetID,
                    detail: (try? JSONSerialization.jsonObject(with: Data(entry.detail.utf8)) as? [String: String])
                        ?? [:],
                    at: rfc3339(entry.at))
            }
            return try AuthRoutes.json(
                Page(items: items, next_page_token: page.nextPageToken.isEmpty ? nil : page.nextPageToken),
                request: request, context: context)
        }
        admin.post("signing-keys/rotate") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.requireAdmin()
            let key = try await self.auth.unary(
                AuthMethods.rotateSigningKey, AuthRotateSigningKeyRequest(),
                options: AuthRoutes.options(context, caller))
            return try AuthRoutes.json(
                ["key_id": key.keyID, "algorithm": key.algorithm], request: request, context: context)
        }
    }
}
