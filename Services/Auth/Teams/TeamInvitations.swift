import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime
import Tokens

/// Invitations to a team: a single-use token mailed to the invited address (stored as SHA-256,
/// never answered), accepted by the signed-in account with that address, within
/// AUTH_TEAM_INVITATION_TTL_S. The mail is written in the inviter's language.
struct TeamInvitations: Sendable {
    let database: PostgresPool
    let publicURL: String
    let lifetime: Duration

    func invite(_ caller: UUID, _ request: AuthInviteToTeamRequest, role callerRole: Teams.Role) async throws
        -> AuthTeamInvitation
    {
        let teamID = try failure.parseID(request.teamID, "team")
        guard callerRole.manages else { throw Teams.managersOnly }
        guard let email = Validation.normalizedEmail(request.email) else {
            throw failure.invalid("email", "an email address")
        }
        let role = request.role.isEmpty ? Teams.Role.member : Teams.Role(rawValue: request.role)
        guard let role, role != .owner else { throw failure.invalid("role", "admin or member") }
        guard role == .member || callerRole == .owner else {
            throw failure.error(.permissionDenied, "owner_only", "only the team's owner invites admins")
        }
        guard !request.hasMonthlyLimit || request.monthlyLimit >= 0 else {
            throw failure.invalid("monthly_limit", "0 or more credits")
        }
        let token = OpaqueToken.generate()
        let id = UUID()
        return try await self.database.transaction { session in
            let counts = try await session.query(
                """
                SELECT (SELECT count(*) FROM team_members WHERE team_id = $1) AS members,
                    (SELECT count(*) FROM team_invitations WHERE team_id = $1 AND accepted_at IS NULL AND expires_at > now()) AS open,
                    EXISTS (SELECT 1 FROM team_members m JOIN accounts a ON a.id = m.account_id
                            WHERE m.team_id = $1 AND a.email = $2) AS member,
                    (SELECT name FROM teams WHERE id = $1) AS team,
                    (SELECT coalesce(nullif(display_name, ''), email) FROM accounts WHERE id = $3) AS inviter,
                    (SELECT locale FROM accounts WHERE id = $3) AS locale
                """, [teamID, email, caller]
            ).first!
            guard !(try counts.decode("member", as: Bool.self)) else {
                throw failure.error(
                    .alreadyExists, "already_member", "this address belongs to a member", field: "email")
            }
            guard try counts.decode("members", as: Int64.self) < Teams.maxMembers,
                try counts.decode("open", as: Int64.self) < Teams.maxOpenInvitations
            else {
                throw failure.error(
                    .resourceExhausted, "team_full",
                    "a team has at most \(Teams.maxMembers) members and \(Teams.maxOpenInvitations) open invitations")
            }
            let row = try await session.query(
                """
                INSERT INTO team_invitations (id, team_id, email, role, monthly_limit, token_hash, invited_by, expires_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8))
                RETURNING id, email, role, monthly_limit, (extract(epoch FROM expires_at) * 1000000)::bigint AS expires_us
                """,
                [
                    id, teamID, email, role.rawValue, request.hasMonthlyLimit ? request.monthlyLimit : nil,
                    OpaqueToken.digest(token), caller, Int(self.lifetime.seconds),
                ]
            ).first!
            let mail = TeamInvitationMail(
                team: try counts.decode("team"), inviter: try counts.decode("inviter"),
                link: "\(self.publicURL)/#/teams/join?token=\(token)", days: Int(self.lifetime.seconds / 86_400),
                language: .init(locale: try counts.decodeIfPresent("locale") ?? ""))
            try await session.execute(
                "INSERT INTO outbox (recipient, subject, body, html) VALUES ($1, $2, $3, $4)",
                [email, mail.subject, mail.text, mail.html])
            return try Self.invitation(row)
        }
    }

    /// Open invitations, newest first.
    func open(team: UUID) async throws -> [AuthTeamInvitation] {
        try await self.database.query(
            """
            SELECT id, email, role, monthly_limit, (extract(epoch FROM expires_at) * 1000000)::bigint AS expires_us
            FROM team_invitations WHERE team_id = $1 AND accepted_at IS NULL AND expires_at > now()
            ORDER BY created_at DESC
            """, [team]
        ).map(Self.invitation)
    }

    func cancel(_ request: AuthCancelTeamInvitationRequest, role: Teams.Role) async throws {
        let teamID = try failure.parseID(request.teamID, "team")
        let id = try failure.parseID(request.invitationID, "invitation")
        guard role.manages else { throw Teams.managersOnly }
        guard
            try await self.database.execute(
                "DELETE FROM team_invitations WHERE id = $1 AND team_id = $2 AND accepted_at IS NULL", [id, teamID])
                == 1
        else { throw failure.notFound("invitation") }
    }

    /// Uses up the token and makes the caller a member; answers the team's id. The token must be
    /// open and addressed to the caller's own email.
    func accept(_ caller: UUID, token: String) async throws -> UUID {
        guard (1...128).contains(token.utf8.count) else { throw failure.invalidEmailToken }
        return try await self.database.transaction { session in
            guard
                let invitation = try await session.query(
                    """
                    SELECT i.id, i.team_id, i.role, i.monthly_limit, i.email = a.email AS addressed_to_caller
                    FROM team_invitations i, accounts a
                    WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.expires_at > now() AND a.id = $2
                    FOR UPDATE OF i
                    """, [OpaqueToken.digest(token), caller]
                ).first
            else { throw failure.invalidEmailToken }
            guard try invitation.decode("addressed_to_caller", as: Bool.self) else {
                throw failure.error(
                    .permissionDenied, "invitation_for_another_address",
                    "this invitation was sent to another address; sign in with that one", field: "token")
            }
            let teamID: UUID = try invitation.decode("team_id")
            try await session.execute(
                "UPDATE team_invitations SET accepted_at = now() WHERE id = $1",
                [try invitation.decode("id", as: UUID.self)])
            // Already a member (two invitations): the membership stays as it is.
            try await session.execute(
                """
                INSERT INTO team_members (team_id, account_id, role, monthly_limit) VALUES ($1, $2, $3, $4)
                ON CONFLICT (team_id, account_id) DO NOTHING
                """,
                [
                    teamID, caller, try invitation.decode("role", as: String.self),
                    try invitation.decodeIfPresent("monthly_limit", as: Int64.self),
                ])
            return teamID
        }
    }

    private static func invitation(_ row: PostgresRow) throws -> AuthTeamInvitation {
        var invitation = AuthTeamInvitation()
        invitation.invitationID = (try row.decode("id", as: UUID.self)).lowercasedText
        invitation.email = try row.decode("email")
        invitation.role = try row.decode("role")
        if let limit = try row.decodeIfPresent("monthly_limit", as: Int64.self) { invitation.monthlyLimit = limit }
        invitation.expiresAt = .micros(try row.decode("expires_us"))
        return invitation
    }
}

/// The invitation mail, in the inviter's language (the invited address may have no account yet).
struct TeamInvitationMail {
    let subject: String
    let text: String
    let html: String

    init(team: String, inviter: String, link: String, days: Int, language: NotificationText.Language) {
        let (subject, body, open, note) =
            language == .chinese
            ? (
                "\(inviter) 邀请您加入 ImageSwiss 团队“\(team)”",
                "\(inviter) 邀请您加入团队“\(team)”。加入后，您可以使用团队的积分处理图片；您自己的积分和文件仍归您所有。",
                "接受邀请", "链接 \(days) 天内有效，仅可使用一次。请使用收到此邮件的地址登录或注册。"
            )
            : (
                "\(inviter) invited you to the ImageSwiss team \"\(team)\"",
                "\(inviter) invited you to join the team \"\(team)\". Members spend the team's credits on their "
                    + "pictures; your own credits and files stay yours.",
                "Accept the invitation",
                "The link works once and expires in \(days) days. Sign in or sign up with the address this mail was sent to."
            )
        self.subject = subject
        self.text = "\(body)\n\n\(open): \(link)\n\n\(note)\n"
        self.html = """
            <!doctype html>
            <html lang="\(language.rawValue)"><head><meta charset="utf-8"><title>\(NotificationText.escape(subject))</title></head>
            <body style="font-family: sans-serif; max-width: 36em">
            <p>\(NotificationText.escape(body))</p>
            <p><a href="\(NotificationText.escape(link))">\(open)</a></p>
            <p style="font-size: 0.8em">\(NotificationText.escape(note))</p>
            </body></html>
            """
    }
}
