import ImageSwissProtos

/// A team as GET /api/v1/teams/{id} answers it: the caller's role and limit, the team's balance,
/// its members with what each spent this month (each member sees their own; owners and admins see
/// everyone's), and its open invitations (owners and admins).
struct TeamJSON: Encodable {
    let id, name, role: String
    let monthlyLimit: Int64?
    let spentThisMonth: Int64?
    let balance: BalanceJSON?
    let members: [TeamMemberJSON]?
    let invitations: [TeamInvitationJSON]?
    let createdAt: String?

    init(_ team: AuthTeam, balance: BillingBalance? = nil, spent: [String: Int64]? = nil, callerID: String? = nil) {
        (self.id, self.name, self.role) = (team.teamID, team.name, team.role)
        self.monthlyLimit = team.hasMonthlyLimit ? team.monthlyLimit : nil
        self.createdAt = rfc3339(team.createdAt)
        self.balance = balance.map(BalanceJSON.init)
        let manages = team.role != "member"
        self.spentThisMonth = spent.flatMap { spent in callerID.map { spent[$0] ?? 0 } }
        self.members =
            spent == nil
            ? nil
            : team.members.map { member in
                TeamMemberJSON(
                    member, spent: manages || member.accountID == callerID ? spent?[member.accountID] ?? 0 : nil)
            }
        self.invitations = manages && spent != nil ? team.invitations.map(TeamInvitationJSON.init) : nil
    }

    enum CodingKeys: String, CodingKey {
        case id, name, role, balance, members, invitations
        case monthlyLimit = "monthly_limit"
        case spentThisMonth = "spent_this_month"
        case createdAt = "created_at"
    }
}

struct TeamMemberJSON: Encodable {
    let accountID, email, displayName, role: String
    let monthlyLimit: Int64?
    let spentThisMonth: Int64?
    let joinedAt: String?

    init(_ member: AuthTeamMember, spent: Int64? = nil) {
        (self.accountID, self.email, self.displayName, self.role) = (
            member.accountID, member.email, member.displayName, member.role
        )
        self.monthlyLimit = member.hasMonthlyLimit ? member.monthlyLimit : nil
        self.spentThisMonth = spent
        self.joinedAt = rfc3339(member.joinedAt)
    }

    enum CodingKeys: String, CodingKey {
        case email, role
        case accountID = "account_id"
        case displayName = "display_name"
        case monthlyLimit = "monthly_limit"
        case spentThisMonth = "spent_this_month"
        case joinedAt = "joined_at"
    }
}

struct TeamInvitationJSON: Encodable {
    let id, email, role: String
    let monthlyLimit: Int64?
    let expiresAt: String?

    init(_ invitation: AuthTeamInvitation) {
        (self.id, self.email, self.role) = (invitation.invitationID, invitation.email, invitation.role)
        self.monthlyLimit = invitation.hasMonthlyLimit ? invitation.monthlyLimit : nil
        self.expiresAt = rfc3339(invitation.expiresAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, email, role
        case monthlyLimit = "monthly_limit"
        case expiresAt = "expires_at"
    }
}

struct TeamBody: Decodable {
    var name: String
}

struct InvitationBody: Decodable {
    var email: String
    var role: String?
    var monthlyLimit: Int64?

    enum CodingKeys: String, CodingKey {
        case email, role
        case monthlyLimit = "monthly_limit"
    }
}

struct ShareBody: Decodable {
    var teamID: String

    enum CodingKeys: String, CodingKey {
        case teamID = "team_id"
    }
}

struct JoinBody: Decodable {
    var token: String
}

/// PATCH a member: a role, and/or a limit (`null` removes it; absent keeps it).
struct MemberBody: Decodable {
    var role: String?
    var monthlyLimit: Int64?
    var limitGiven: Bool

    enum CodingKeys: String, CodingKey {
        case role
        case monthlyLimit = "monthly_limit"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.role = try container.decodeIfPresent(String.self, forKey: .role)
        self.limitGiven = container.contains(.monthlyLimit)
        self.monthlyLimit = try container.decodeIfPresent(Int64.self, forKey: .monthlyLimit)
    }
}

/// A team in the admins' listing: who owns it and how many members it has.
struct AdminTeamJSON: Encodable {
    let id, name, ownerEmail: String
    let memberCount: UInt32
    let createdAt: String?

    init(_ team: AuthTeam) {
        (self.id, self.name, self.ownerEmail, self.memberCount) = (
            team.teamID, team.name, team.ownerEmail, team.memberCount
        )
        self.createdAt = rfc3339(team.createdAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case ownerEmail = "owner_email"
        case memberCount = "member_count"
        case createdAt = "created_at"
    }
}
