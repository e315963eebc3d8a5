import ImageSwissProtos
import RPC

/// A submission's `team_id`: Auth says whether the caller belongs to the team and with which monthly
/// limit; Jobs then holds the team's credits with the caller as spender, and Billing keeps the
/// member within the limit. A team that is not the caller's is a 404 (Auth's answer).
struct TeamPayers: Sendable {
    let auth: RPCClient

    struct Payer: Sendable {
        let teamID: String
        let monthlyLimit: Int64?
    }

    func payer(_ teamID: String?, context: EdgeRequestContext, caller: VerifiedCaller) async throws -> Payer? {
        guard let teamID, !teamID.isEmpty else { return nil }
        let team = try await Self.team(teamID, auth: self.auth, context: context, caller: caller)
        return Payer(teamID: team.teamID, monthlyLimit: team.hasMonthlyLimit ? team.monthlyLimit : nil)
    }

    /// The caller's team as Auth answers it, with the caller's role and limit: only to a member
    /// (a team that is not the caller's is a 404). Every team route asks this one way.
    static func team(_ teamID: String, auth: RPCClient, context: EdgeRequestContext, caller: VerifiedCaller)
        async throws -> AuthTeam
    {
        var call = AuthGetTeamRequest()
        call.teamID = teamID
        return try await auth.unary(AuthMethods.getTeam, call, options: EdgeCalls.options(context, caller))
    }
}
