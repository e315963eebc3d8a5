import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import RPC

/// /api/v1/teams: teams, members and invitations (Auth), and the team's money — Billing's account
/// named by the team id, reached through /api/v1/teams/{team}/billing/… with the same handlers as
/// one's own (BillingRoutes, InvoiceRoutes) once TeamAccountMiddleware made the team the caller.
/// Members spend from it by naming `team_id` when they submit (TeamPayers). Files stay their
/// owner's; an owner may share one with a team, whose members then read it under
/// /api/v1/teams/{team}/files with the handlers of one's own files.
struct TeamRoutes {
    let auth: RPCClient
    let billing: BillingRoutes
    let invoices: InvoiceRoutes
    let files: FileRoutes

    func add(to router: Router<EdgeRequestContext>) {
        router.requiring(.session).post("api/v1/teams", use: self.create)
        router.requiring(.scope("billing:read")).get("api/v1/teams", use: self.list)
        router.requiring(.session).post("api/v1/teams/join", use: self.join)
        router.requiring(.scope("billing:read")).get("api/v1/teams/:team", use: self.team)
        router.requiring(.session).delete("api/v1/teams/:team", use: self.delete)
        router.requiring(.session).post("api/v1/teams/:team/invitations", use: self.invite)
        router.requiring(.session).delete("api/v1/teams/:team/invitations/:invitation", use: self.cancelInvitation)
        router.requiring(.session).patch("api/v1/teams/:team/members/:member", use: self.setMember)
        router.requiring(.session).delete("api/v1/teams/:team/members/:member", use: self.removeMember)

        router.requiring(.scope("files:write")).post("api/v1/files/:id/share", use: self.share)
        router.requiring(.scope("files:write")).delete("api/v1/files/:id/share/:team", use: self.unshare)

        let anyMember = router.group("api/v1/teams/:team")
            .add(middleware: TeamAccountMiddleware(auth: self.auth, managersOnly: false))
        self.billing.addBalance(to: anyMember.group("billing"))
        self.files.addReads(to: anyMember.group("files"))
        let managers = router.group("api/v1/teams/:team/billing")
            .add(middleware: TeamAccountMiddleware(auth: self.auth, managersOnly: true))
        self.billing.addAccount(to: managers)
        self.invoices.addAccount(to: managers)
    }

    @Sendable func create(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = AuthCreateTeamRequest()
        call.name = try await request.decode(as: TeamBody.self, context: context).name
        call.idempotencyKey = Idempotency.key(request)
        let team = try await self.auth.unary(AuthMethods.createTeam, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(TeamJSON(team), status: .created, request: request, context: context)
    }

    @Sendable func list(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let teams = try await self.auth.unary(
            AuthMethods.listTeams, AuthListTeamsRequest(), options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(
            Page(items: teams.teams.map { TeamJSON($0) }, nextPageToken: nil), request: request, context: context)
    }

    /// The team with its balance and this month's spending per member.
    @Sendable func team(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let team = try await self.team(context, caller)
        let asTeam = EdgeCalls.options(context, caller.acting(asTeam: team.teamID))
        async let balance = self.billing.billing.unary(
            BillingMethods.getBalance, BillingGetBalanceRequest(), options: asTeam)
        async let spenders = self.billing.billing.unary(
            BillingMethods.getSpenders, BillingGetSpendersRequest(), options: asTeam)
        let spent = Dictionary(
            try await spenders.spenders.map { ($0.spenderID, $0.spentThisMonth) }, uniquingKeysWith: +)
        return try JSONAnswer.response(
            TeamJSON(team, balance: try await balance, spent: spent, callerID: caller.userID), request: request,
            context: context)
    }

    /// The owner's; refused while the team still has credits (they would be lost with it).
    @Sendable func delete(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let team = try await self.team(context, caller)
        guard team.role == "owner" else {
            throw EdgeError(.forbidden, "owner_only", "only the team's owner deletes it")
        }
        let balance = try await self.billing.billing.unary(
            BillingMethods.getBalance, BillingGetBalanceRequest(),
            options: EdgeCalls.options(context, caller.acting(asTeam: team.teamID)))
        guard balance.total == 0 else {
            throw EdgeError(
                .conflict, "team_has_credits",
                "the team still has \(balance.total) credits; spend them before deleting it")
        }
        var call = AuthDeleteTeamRequest()
        call.teamID = team.teamID
        _ = try await self.auth.unary(AuthMethods.deleteTeam, call, options: EdgeCalls.options(context, caller))
        return Response(status: .noContent)
    }

    @Sendable func invite(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: InvitationBody.self, context: context)
        var call = AuthInviteToTeamRequest()
        call.teamID = try context.parameters.require("team")
        call.email = body.email
        call.role = body.role ?? ""
        if let limit = body.monthlyLimit { call.monthlyLimit = limit }
        let invitation = try await self.auth.unary(
            AuthMethods.inviteToTeam, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(
            TeamInvitationJSON(invitation), status: .created, request: request, context: context)
    }

    @Sendable func cancelInvitation(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = AuthCancelTeamInvitationRequest()
        call.teamID = try context.parameters.require("team")
        call.invitationID = try context.parameters.require("invitation")
        _ = try await self.auth.unary(
            AuthMethods.cancelTeamInvitation, call, options: EdgeCalls.options(context, caller))
        return Response(status: .noContent)
    }

    /// The mailed link's token, used by the signed-in account with the invited address.
    @Sendable func join(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = AuthAcceptTeamInvitationRequest()
        call.token = try await request.decode(as: JoinBody.self, context: context).token
        let team = try await self.auth.unary(
            AuthMethods.acceptTeamInvitation, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(TeamJSON(team), request: request, context: context)
    }

    @Sendable func setMember(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: MemberBody.self, context: context)
        var call = AuthSetTeamMemberRequest()
        call.teamID = try context.parameters.require("team")
        call.accountID = try context.parameters.require("member")
        call.role = body.role ?? ""
        call.setLimit = body.limitGiven
        if let limit = body.monthlyLimit { call.monthlyLimit = limit }
        let member = try await self.auth.unary(
            AuthMethods.setTeamMember, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(TeamMemberJSON(member), request: request, context: context)
    }

    /// Removing a member, or leaving (one's own id).
    @Sendable func removeMember(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = AuthRemoveTeamMemberRequest()
        call.teamID = try context.parameters.require("team")
        call.accountID = try context.parameters.require("member")
        _ = try await self.auth.unary(AuthMethods.removeTeamMember, call, options: EdgeCalls.options(context, caller))
        // What the member shared with the team goes with them (their files stay theirs).
        var unshare = StorageShareBlobRequest()
        (unshare.teamID, unshare.shared) = (call.teamID, false)
        _ = try await self.files.storage.unary(
            StorageMethods.shareBlob, unshare, options: EdgeCalls.asService(for: call.accountID, context: context))
        return Response(status: .noContent)
    }

    /// The owner shares one of their files with a team they belong to.
    @Sendable func share(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: ShareBody.self, context: context)
        let blob = try await self.setShare(context, caller, team: body.teamID, shared: true)
        return try JSONAnswer.response(FileJSON(blob), request: request, context: context)
    }

    /// The owner stops sharing: no membership needed (one who left may still take a file back).
    @Sendable func unshare(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = StorageShareBlobRequest()
        call.blobID = try context.parameters.require("id")
        call.teamID = try context.parameters.require("team")
        call.shared = false
        _ = try await self.files.storage.unary(
            StorageMethods.shareBlob, call, options: EdgeCalls.options(context, caller))
        return Response(status: .noContent)
    }

    private func setShare(_ context: EdgeRequestContext, _ caller: VerifiedCaller, team: String, shared: Bool)
        async throws -> StorageBlob
    {
        let found = try await TeamPayers.team(team, auth: self.auth, context: context, caller: caller)
        var call = StorageShareBlobRequest()
        call.blobID = try context.parameters.require("id")
        call.teamID = found.teamID
        call.shared = shared
        return try await self.files.storage.unary(
            StorageMethods.shareBlob, call, options: EdgeCalls.options(context, caller))
    }

    private func team(_ context: EdgeRequestContext, _ caller: VerifiedCaller) async throws -> AuthTeam {
        try await TeamPayers.team(
            try context.parameters.require("team"), auth: self.auth, context: context, caller: caller)
    }
}
