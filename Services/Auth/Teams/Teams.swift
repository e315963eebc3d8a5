import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// Teams: who belongs to which team, in which role, within which monthly limit. The team's money
/// is Billing's account named by the team id; the edge acts as that account after GetTeam says the
/// caller may (docs/api.md, "Teams"). An id that is not a team of the caller's is "not found", as
/// for every other id that is not the caller's.
struct Teams: Sendable {
    let database: PostgresPool
    let invitations: TeamInvitations

    /// TEAM limits: teams one account owns, members of a team, open invitations of a team.
    static let maxOwnedTeams = 20
    static let maxMembers = 200
    static let maxOpenInvitations = 50
    static let maxNameCharacters = 100

    func create(_ caller: UUID, _ request: AuthCreateTeamRequest) async throws -> AuthTeam {
        let name = try Self.checkName(request.name)
        let key: String? =
            request.idempotencyKey.isEmpty
            ? nil : try IdempotentCalls.check(request.idempotencyKey, domain: "auth")
        let id: UUID = try await self.database.transaction { session in
            if let key,
                let existing = try await session.query(
                    "SELECT id FROM teams WHERE owner_id = $1 AND created_key = $2", [caller, key]
                ).first
            {
                return try existing.decode("id")
            }
            let owned: Int64 = try await session.query(
                "SELECT count(*) AS n FROM teams WHERE owner_id = $1", [caller]
            ).first!.decode("n")
            guard owned < Self.maxOwnedTeams else {
                throw failure.error(
                    .resourceExhausted, "too_many_teams", "an account owns at most \(Self.maxOwnedTeams) teams")
            }
            let id = UUID()
            try await session.execute(
                "INSERT INTO teams (id, name, owner_id, created_key) VALUES ($1, $2, $3, $4)", [id, name, caller, key])
            try await session.execute(
                "INSERT INTO team_members (team_id, account_id, role) VALUES ($1, $2, 'owner')", [id, caller])
            return id
        }
        return try await self.team(id, for: caller)
    }

    /// The caller's teams with the caller's role and limit in each (members are in GetTeam).
    func list(_ caller: UUID) async throws -> AuthListTeamsResponse {
        let rows = try await self.database.query(
            """
            SELECT t.id, t.name, m.role, m.monthly_limit, (extract(epoch FROM t.created_at) * 1000000)::bigint AS created_us
            FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.account_id = $1 ORDER BY t.created_at, t.id
            """, [caller])
        var response = AuthListTeamsResponse()
        response.teams = try rows.map(Self.team)
        return response
    }

    /// Admins: every team, newest first, with its owner's address and member count; `query` matches
    /// the name or the owner's address.
    func listAll(_ request: AuthListAllTeamsRequest) async throws -> AuthListAllTeamsResponse {
        let pageSize = Int(request.pageSize == 0 ? 50 : min(request.pageSize, 200))
        var parameters = PostgresParameters()
        var conditions: [String] = []
        let query = String(request.query.prefix(100))
        if !query.isEmpty {
            let pattern = parameters.bind(LikePattern.containing(query))
            conditions.append("(t.name ILIKE \(pattern) OR o.email ILIKE \(pattern))")
        }
        if !request.pageToken.isEmpty {
            guard let after = CreatedKeyset(token: request.pageToken) else {
                throw failure.invalid("page_token", "not a page token this service gave")
            }
            conditions.append(after.rowsAfter(created: "t.created_at", id: "t.id", &parameters))
        }
        let rows = try await self.database.query(
            """
            SELECT t.id, t.name, '' AS role, NULL::bigint AS monthly_limit,
                (extract(epoch FROM t.created_at) * 1000000)::bigint AS created_us, o.email AS owner_email,
                (SELECT count(*) FROM team_members m WHERE m.team_id = t.id) AS member_count
            FROM teams t JOIN accounts o ON o.id = t.owner_id
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY t.created_at DESC, t.id DESC LIMIT \(pageSize + 1)
            """, parameters.values)
        var response = AuthListAllTeamsResponse()
        response.teams = try rows.prefix(pageSize).map { row in
            var team = try Self.team(row)
            team.ownerEmail = try row.decode("owner_email")
            team.memberCount = UInt32(try row.decode("member_count", as: Int.self))
            return team
        }
        if rows.count > pageSize, let last = response.teams.last, let id = UUID(text: last.teamID) {
            response.nextPageToken = CreatedKeyset(createdMicros: last.createdAt.unixMicros, id: id).token
        }
        return response
    }

    /// One team as the caller sees it: members always, open invitations for owners and admins.
    func team(_ id: UUID, for caller: UUID) async throws -> AuthTeam {
        guard
            let row = try await self.database.query(
                """
                SELECT t.id, t.name, m.role, m.monthly_limit, (extract(epoch FROM t.created_at) * 1000000)::bigint AS created_us
                FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.team_id = $1 AND m.account_id = $2
                """, [id, caller]
            ).first
        else { throw failure.notFound("team") }
        var team = try Self.team(row)
        team.members = try await self.database.query(
            """
            SELECT m.account_id, a.email, a.display_name, m.role, m.monthly_limit,
                (extract(epoch FROM m.joined_at) * 1000000)::bigint AS joined_us
            FROM team_members m JOIN accounts a ON a.id = m.account_id WHERE m.team_id = $1
            ORDER BY m.role = 'owner' DESC, m.role = 'admin' DESC, a.email
            """, [id]
        ).map(Self.member)
        if Role(rawValue: team.role)?.manages == true {
            team.invitations = try await self.invitations.open(team: id)
        }
        return team
    }

    func invite(_ caller: UUID, _ request: AuthInviteToTeamRequest) async throws -> AuthTeamInvitation {
        let role = try await self.role(of: caller, in: try failure.parseID(request.teamID, "team"))
        return try await self.invitations.invite(caller, request, role: role)
    }

    func cancelInvitation(_ caller: UUID, _ request: AuthCancelTeamInvitationRequest) async throws {
        let role = try await self.role(of: caller, in: try failure.parseID(request.teamID, "team"))
        try await self.invitations.cancel(request, role: role)
    }

    func accept(_ caller: UUID, token: String) async throws -> AuthTeam {
        try await self.team(try await self.invitations.accept(caller, token: token), for: caller)
    }

    /// Owners and admins set limits; only the owner changes roles. The owner's role stays.
    func setMember(_ caller: UUID, _ request: AuthSetTeamMemberRequest) async throws -> AuthTeamMember {
        let teamID = try failure.parseID(request.teamID, "team")
        let target = try failure.parseID(request.accountID, "member")
        let role = try await self.role(of: caller, in: teamID)
        guard role.manages else { throw Self.managersOnly }
        let targetRole = try await self.role(of: target, in: teamID, notFound: "member")
        var newRole: Role?
        if !request.role.isEmpty {
            guard let chosen = Role(rawValue: request.role), chosen != .owner else {
                throw failure.invalid("role", "admin or member")
            }
            guard role == .owner, targetRole != .owner else {
                throw failure.error(.permissionDenied, "owner_only", "only the team's owner changes roles")
            }
            newRole = chosen
        }
        if request.setLimit {
            guard !request.hasMonthlyLimit || request.monthlyLimit >= 0 else {
                throw failure.invalid("monthly_limit", "0 or more credits")
            }
            guard role == .owner || targetRole == .member else {
                throw failure.error(
                    .permissionDenied, "owner_only", "only the team's owner sets the limits of admins and the owner")
            }
        }
        let limit: Int64? = request.hasMonthlyLimit ? request.monthlyLimit : nil
        guard
            let row = try await self.database.query(
                """
                UPDATE team_members m SET role = coalesce($3, m.role),
                    monthly_limit = CASE WHEN $4 THEN $5::bigint ELSE m.monthly_limit END
                FROM accounts a WHERE m.team_id = $1 AND m.account_id = $2 AND a.id = m.account_id
                RETURNING m.account_id, a.email, a.display_name, m.role, m.monthly_limit,
                    (extract(epoch FROM m.joined_at) * 1000000)::bigint AS joined_us
                """, [teamID, target, newRole?.rawValue, request.setLimit, limit]
            ).first
        else { throw failure.notFound("member") }
        return try Self.member(row)
    }

    /// Leaving (oneself) or removing (owners and admins: members; the owner: admins too). One's own
    /// credits and files are untouched: they were never the team's.
    func remove(_ caller: UUID, _ request: AuthRemoveTeamMemberRequest) async throws {
        let teamID = try failure.parseID(request.teamID, "team")
        let target = try failure.parseID(request.accountID, "member")
        let role = try await self.role(of: caller, in: teamID)
        let targetRole = try await self.role(of: target, in: teamID, notFound: "member")
        if target == caller {
            guard role != .owner else {
                throw failure.error(
                    .failedPrecondition, "owner_cannot_leave", "the owner deletes the team rather than leave it")
            }
        } else {
            guard role.manages else { throw Self.managersOnly }
            guard targetRole == .member || (role == .owner && targetRole == .admin) else {
                throw failure.error(.permissionDenied, "owner_only", "only the team's owner removes admins")
            }
        }
        try await self.database.execute(
            "DELETE FROM team_members WHERE team_id = $1 AND account_id = $2 AND role <> 'owner'", [teamID, target])
    }

    /// The owner's: the team, its memberships and invitations go (the edge first checks that
    /// Billing holds no credits for it).
    func delete(_ caller: UUID, _ request: AuthDeleteTeamRequest) async throws {
        let teamID = try failure.parseID(request.teamID, "team")
        guard try await self.role(of: caller, in: teamID) == .owner else {
            throw failure.error(.permissionDenied, "owner_only", "only the team's owner deletes it")
        }
        try await self.database.execute("DELETE FROM teams WHERE id = $1", [teamID])
    }

    enum Role: String, Sendable {
        case owner, admin, member

        /// Invites, sets members' limits, removes members, buys the team's credits.
        var manages: Bool { self != .member }
    }

    static var managersOnly: RPCError {
        failure.error(.permissionDenied, "team_admins_only", "only the team's owner and admins do this")
    }

    /// The account's role in the team; a team it is not in is "not found".
    func role(of account: UUID, in team: UUID, notFound what: String = "team") async throws -> Role {
        guard
            let row = try await self.database.query(
                "SELECT role FROM team_members WHERE team_id = $1 AND account_id = $2", [team, account]
            ).first,
            let role = Role(rawValue: try row.decode("role"))
        else { throw failure.notFound(what) }
        return role
    }

    static func checkName(_ raw: String) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...Self.maxNameCharacters).contains(name.count),
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw failure.invalid("name", "1 to \(Self.maxNameCharacters) characters, no control characters") }
        return name
    }

    private static func team(_ row: PostgresRow) throws -> AuthTeam {
        var team = AuthTeam()
        team.teamID = (try row.decode("id", as: UUID.self)).lowercasedText
        team.name = try row.decode("name")
        team.role = try row.decode("role")
        if let limit = try row.decodeIfPresent("monthly_limit", as: Int64.self) { team.monthlyLimit = limit }
        team.createdAt = .micros(try row.decode("created_us"))
        return team
    }

    static func member(_ row: PostgresRow) throws -> AuthTeamMember {
        var member = AuthTeamMember()
        member.accountID = (try row.decode("account_id", as: UUID.self)).lowercasedText
        member.email = try row.decode("email")
        member.displayName = try row.decode("display_name")
        member.role = try row.decode("role")
        if let limit = try row.decodeIfPresent("monthly_limit", as: Int64.self) { member.monthlyLimit = limit }
        member.joinedAt = .micros(try row.decode("joined_us"))
        return member
    }
}
