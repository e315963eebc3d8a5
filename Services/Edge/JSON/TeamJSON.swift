import ImageSwissProtos

/// A team as GET /api/v1/teams/{id} answers it: the caller's role and limit, the team's balance,
/// its members with what each spent this month (each member sees their own; owners and admins see
/// everyone's), and its open invitations (owners and admins).
struct TeamJSON: Encodable {
    let id, name, role: String
    let monthly_limit: Int64?
    let spent_this_month: Int64?
    let balance: BalanceJSON?
    let members: [TeamMemberJSON]?
    let invitations: [TeamInvitationJSON]?
    let created_at: String?

    init(_ team: AuthTeam, balance: BillingBalance? = nil, spent: [String: Int64]? = nil, callerID: String? = nil) {
        (self.id, self.name, self.role) = (team.teamID, team.name, team.role)
        self.monthly_limit = team.hasMonthlyLimit ? team.monthlyLimit : nil
        self.created_at = rfc3339(team.createdAt)
        self.balance = balance.map(BalanceJSON.init)
        let manages = team.role != "member"
        self.spent_this_month = spent.flatMap { spent in callerID.map { spent[$0] ?? 0 } }
        self.members =
            spent == nil
            ? nil
            : team.members.map { member in
                TeamMemberJSON(
                    member, spent: manages || member.accountID == callerID ? spent?[member.accountID] ?? 0 : nil)
            }
        self.invitations = manages && spent != nil ? team.invitations.map(TeamInvitationJSON.init) : nil
    }
}

struct TeamMemberJSON: Encodable {
    let account_id, email, display_name, role: String
    let monthly_limit: Int64?
    let spent_this_month: Int64?
    let joined_at: String?

    init(_ member: AuthTeamMember, spent: Int64? = nil) {
        (self.account_id, self.email, self.display_name, self.role) = (
            member.accountID, member.email, member.displayName, member.role
        )
        self.monthly_limit = member.hasMonthlyLimit ? member.monthlyLimit : nil
        self.spent_this_month = spent
        self.joined_at = rfc3339(member.joinedAt)
    }
}

struct TeamInvitationJSON: Encodable {
    let id, email, role: String
    let monthly_limit: Int64?
    let expires_at: String?

    init(_ invitation: AuthTeamInvitation) {
        (self.id, self.email, self.role) = (invitation.invitationID, invitation.email, invitation.role)
        self.monthly_limit = invitation.hasMonthlyLimit ? invitation.monthlyLimit : nil
        self.expires_at = rfc3339(invitation.expiresAt)
    }
}

struct TeamBody: Decodable {
    var name: String
}

struct InvitationBody: Decodable {
    var email: String
    var role: String?
    var monthly_limit: Int64?
}

struct ShareBody: Decodable {
    var team_id: String
}

struct JoinBody: Decodable {
    var token: String
}

/// PATCH a member: a role, and/or a limit (`null` removes it; absent keeps it).
struct MemberBody: Decodable {
    var role: String?
    var monthly_limit: Int64?
    var limitGiven: Bool

    enum CodingKeys: String, CodingKey { case role, monthly_limit }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.role = try container.decodeIfPresent(String.self, forKey: .role)
        self.limitGiven = container.contains(.monthly_limit)
        self.monthly_limit = try container.decodeIfPresent(Int64.self, forKey: .monthly_limit)
    }
}
