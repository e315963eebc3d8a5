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
        var call = AuthGetTeamRequest()
        call.teamID = teamID
        let team = try await self.auth.unary(AuthMethods.getTeam, call, options: AuthRoutes.options(context, caller))
        return Payer(teamID: team.teamID, monthlyLimit: team.hasMonthlyLimit ? team.monthlyLimit : nil)
    }
}
