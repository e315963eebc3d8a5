import Hummingbird
import ImageSwissProtos
import RPC

/// Under /api/v1/teams/{team}/billing: asks Auth whether the caller is in the team (a team that is
/// not the caller's is a 404, as Auth answers) and in a role that may do this — any member reads the
/// balance, owners and admins the rest — then makes the team the caller, so the billing handlers
/// act on the team's account exactly as they act on one's own.
struct TeamAccountMiddleware: RouterMiddleware {
    typealias Context = EdgeRequestContext
    let auth: RPCClient
    let managersOnly: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let caller = try context.requireCaller()
        let team = try await TeamPayers.team(
            try context.parameters.require("team"), auth: self.auth, context: context, caller: caller)
        guard !self.managersOnly || team.role == "owner" || team.role == "admin" else {
            throw EdgeError(.forbidden, "team_admins_only", "only the team's owner and admins do this")
        }
        var context = context
        context.caller = caller.acting(asTeam: team.teamID)
        return try await next(request, context)
    }
}

extension VerifiedCaller {
    /// The caller acting on a team's account: never with the platform admin's role, with the
    /// credential and scopes it came with.
    func acting(asTeam team: String) -> VerifiedCaller {
        var caller = VerifiedCaller(
            userID: team, role: "user", scopes: self.scopes, session: self.session, credential: self.credential)
        caller.apiKeyID = self.apiKeyID
        caller.isTeam = true
        return caller
    }
}
