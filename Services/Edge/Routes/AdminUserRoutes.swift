import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import RPC

/// /api/v1/admin: users, roles, teams, the audit log, key rotation. Admin sessions only.
struct AdminUserRoutes {
    let auth: RPCClient

    func add(to router: Router<EdgeRequestContext>) {
        let admin = router.group("api/v1/admin").requiring(.admin)
        admin.get("users", use: self.listUsers)
        admin.get("users/:id", use: self.getUser)
        admin.patch("users/:id", use: self.updateUser)
        admin.get("teams", use: self.listTeams)
        admin.get("audit", use: self.audit)
        admin.post("signing-keys/rotate", use: self.rotateSigningKeys)
    }

    @Sendable func listUsers(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = AuthListUsersRequest()
        call.query = request.uri.queryParameters["q"].map(String.init) ?? ""
        let paging = QueryValues.page(request)
        call.pageSize = paging.pageSize
        call.pageToken = paging.pageToken
        let page = try await self.auth.unary(
            AuthMethods.listUsers, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(
            Page(
                items: page.accounts.map(AccountJSON.init),
                nextPageToken: QueryValues.nextToken(page.nextPageToken)),
            request: request, context: context)
    }

    @Sendable func listTeams(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = AuthListAllTeamsRequest()
        call.query = request.uri.queryParameters["q"].map(String.init) ?? ""
        let paging = QueryValues.page(request)
        call.pageSize = paging.pageSize
        call.pageToken = paging.pageToken
        let page = try await self.auth.unary(
            AuthMethods.listAllTeams, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(
            Page(
                items: page.teams.map(AdminTeamJSON.init),
                nextPageToken: QueryValues.nextToken(page.nextPageToken)),
            request: request, context: context)
    }

    @Sendable func getUser(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = AuthGetAccountRequest()
        call.userID = context.parameters.get("id") ?? ""
        let account = try await self.auth.unary(
            AuthMethods.getAccount, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(AccountJSON(account), request: request, context: context)
    }

    @Sendable func updateUser(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: UserStateBody.self, context: context)
        var call = AuthSetUserStateRequest()
        call.userID = context.parameters.get("id") ?? ""
        if let disabled = body.disabled { call.disabled = disabled }
        if let role = body.role { call.role = role }
        call.idempotencyKey = Idempotency.key(request)
        let account = try await self.auth.unary(
            AuthMethods.setUserState, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(AccountJSON(account), request: request, context: context)
    }

    @Sendable func audit(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = AuthListAuditRequest()
        let paging = QueryValues.page(request)
        call.pageSize = paging.pageSize
        call.pageToken = paging.pageToken
        let page = try await self.auth.unary(
            AuthMethods.listAudit, call, options: EdgeCalls.options(context, caller))
        let items = page.entries.map { entry in
            AuditEntryJSON(
                id: entry.id, actorID: entry.actorID, action: entry.action, targetID: entry.targetID,
                detail: (try? JSONSerialization.jsonObject(with: Data(entry.detail.utf8)) as? [String: String])
                    ?? [:],
                at: rfc3339(entry.at))
        }
        return try JSONAnswer.response(
            Page(items: items, nextPageToken: QueryValues.nextToken(page.nextPageToken)),
            request: request, context: context)
    }

    @Sendable func rotateSigningKeys(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let key = try await self.auth.unary(
            AuthMethods.rotateSigningKey, AuthRotateSigningKeyRequest(),
            options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(
            ["key_id": key.keyID, "algorithm": key.algorithm], request: request, context: context)
    }
}
