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
        me.requiring(.scope("profile:read")).get(use: self.me)
        me.requiring(.session).patch(use: self.updateMe)
        me.requiring(.session).delete(use: self.deleteMe)
        me.requiring(.session).post("password", use: self.changePassword)
        me.requiring(.session).get("export", use: self.export)
        me.requiring(.scope("profile:read")).get("sign-ins", use: self.signIns)
    }

    @Sendable func me(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        if let body = self.cache.body(caller.userID) { return JSONAnswer.bytes(body) }
        let account = try await self.auth.unary(
            AuthMethods.getAccount, AuthGetAccountRequest(), options: EdgeCalls.options(context, caller))
        let body = try JSONAnswer.encode(AccountJSON(account))
        self.cache.store(body, for: caller.userID)
        return JSONAnswer.bytes(body)
    }

    @Sendable func updateMe(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: ProfileBody.self, context: context)
        var call = AuthUpdateProfileRequest()
        if let name = body.displayName { call.displayName = name }
        if let avatar = body.avatarBlobID { call.avatarBlobID = avatar }
        if let locale = body.locale { call.locale = locale }
        call.idempotencyKey = Idempotency.key(request)
        self.cache.forget(caller.userID)
        let account = try await self.auth.unary(
            AuthMethods.updateProfile, call, options: EdgeCalls.options(context, caller))
        self.cache.forget(caller.userID)
        return try JSONAnswer.response(AccountJSON(account), request: request, context: context)
    }

    @Sendable func deleteMe(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = AuthDeleteAccountRequest()
        call.password = try await request.decode(as: PasswordBody.self, context: context).password
        let options = EdgeCalls.options(context, caller)
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
        var response = try JSONAnswer.response(OK(), request: request, context: context)
        SessionCookies.clear(on: &response)
        return response
    }

    @Sendable func changePassword(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: PasswordChangeBody.self, context: context)
        var call = AuthChangePasswordRequest()
        call.currentPassword = body.currentPassword
        call.newPassword = body.newPassword
        _ = try await self.auth.unary(
            AuthMethods.changePassword, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(OK(), request: request, context: context)
    }

    @Sendable func export(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let export = try await self.auth.unary(
            AuthMethods.exportAccount, AuthExportAccountRequest(), options: EdgeCalls.options(context, caller))
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

    @Sendable func signIns(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let history = try await self.auth.unary(
            AuthMethods.getSignInHistory, AuthSignInHistoryRequest(), options: EdgeCalls.options(context, caller))
        let items = history.events.map {
            SignInEventJSON(
                at: rfc3339($0.at), clientIP: $0.clientIp, userAgent: $0.userAgent, succeeded: $0.succeeded)
        }
        return try JSONAnswer.response(Page(items: items, nextPageToken: nil), request: request, context: context)
    }
}
