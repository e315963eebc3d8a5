import Curl
import Foundation
import ImageSwissProtos
import Logging
import Postgres
import RPC
import ServiceRuntime

/// The verified caller the edge names in call metadata (RPCCaller), as Auth reads it: its id is an
/// account's. Internal services trust it because only the edge (and other services) can reach them;
/// see docs/operations.md.
extension RPCCaller {
    static func auth(_ metadata: RPCMetadata) throws -> RPCCaller {
        guard let caller = try? RPCCaller(metadata), UUID(text: caller.id) != nil else { throw failure.unauthenticated }
        return caller
    }

    var userID: UUID { UUID(text: self.id)! }
    var sessionID: UUID? { self.session.flatMap { UUID(text: $0) } }

    /// Account management needs a signed-in session: an API key cannot change passwords or make keys.
    func requireSession() throws -> RPCCaller {
        guard self.isSession else {
            throw failure.error(
                .permissionDenied, "session_required", "this call needs a signed-in session, not an API key")
        }
        return self
    }

    /// Calls only the platform's own services make (reporting events, usage): caller-role "service".
    static func requireService(_ metadata: RPCMetadata) throws {
        guard (try? RPCCaller(metadata))?.role == "service" else {
            throw failure.error(.permissionDenied, "service_only", "this call is for the platform's services")
        }
    }

    func requireAdmin() throws -> RPCCaller {
        guard self.role == "admin", self.isSession else { throw failure.adminOnly }
        return self
    }
}

/// Auth's RPC handlers: each reads the caller, validates and hands over to one of the services.
struct AuthHandlers: Sendable {
    let accounts: AccountService
    let sessions: Sessions
    let emails: EmailFlows
    let apiKeys: ApiKeys
    let handoffs: Handoffs
    let admin: AdminService
    let keys: SigningKeys
    let database: PostgresPool
    let hasher: PasswordHasher
    let commonPasswords: CommonPasswords
    let oauth: OAuthSignIn
    let notifications: Notifications
    let teams: Teams

    init(context: ServiceContext, configuration: AuthConfiguration) async throws {
        guard let database = context.database else { throw failure.internalError("auth needs its database") }
        self.database = database
        self.hasher = try PasswordHasher(
            parameters: configuration.argon2, workers: configuration.hashWorkers, queue: configuration.hashQueue)
        self.commonPasswords = try CommonPasswords.bundled()
        self.keys = SigningKeys(database: database, tokenLifetime: configuration.accessTokenTTL)
        try await self.keys.ensureKey()
        let idempotency = IdempotentCalls(database: database, domain: "auth", keyRequired: false)
        self.sessions = Sessions(database: database, keys: self.keys, configuration: configuration)
        self.emails = EmailFlows(database: database, configuration: configuration, logger: context.logger)
        self.accounts = AccountService(
            database: database, hasher: self.hasher, sessions: self.sessions,
            throttle: Throttle(database: database, configuration: configuration), emails: self.emails,
            commonPasswords: self.commonPasswords, configuration: configuration, idempotency: idempotency
        )
        self.apiKeys = ApiKeys(database: database, idempotency: idempotency)
        self.handoffs = Handoffs(
            database: database, idempotency: idempotency, lifetime: configuration.handoffTTL,
            publicURL: configuration.publicURL)
        self.admin = AdminService(database: database, idempotency: idempotency, keys: self.keys)
        self.oauth = OAuthSignIn(
            providers: OAuthProvider.configured(context.configuration), database: database, sessions: self.sessions,
            http: CurlClient(), publicURL: configuration.publicURL)
        self.notifications = Notifications(
            database: database, links: UnsubscribeLinks(database: database), publicURL: configuration.publicURL)
        self.teams = Teams(
            database: database,
            invitations: TeamInvitations(
                database: database, publicURL: configuration.publicURL, lifetime: configuration.teamInvitationTTL))
        if let first = configuration.firstAdminEmail {
            try await database.execute(
                "UPDATE accounts SET role = 'admin' WHERE email = $1 AND role <> 'admin'", [first])
        }
    }

    func register(in router: inout RPCRouter) {
        // Anyone.
        router.register(AuthMethods.register) { request, _ in try await self.accounts.register(request) }
        router.register(AuthMethods.signIn) { request, _ in try await self.accounts.signIn(request) }
        router.register(AuthMethods.refresh) { request, _ in try await self.sessions.refresh(request.refreshToken) }
        router.register(AuthMethods.signOut) { request, _ in
            try await self.sessions.signOut(request.refreshToken)
            return AuthDone()
        }
        router.register(AuthMethods.getPublicKeys) { _, _ in
            var response = AuthGetPublicKeysResponse()
            response.keys = try await self.keys.published().map(\.message)
            return response
        }
        router.register(AuthMethods.requestEmailVerification) { request, _ in
            self.emails.requestVerification(request.email)
            return AuthDone()
        }
        router.register(AuthMethods.requestPasswordReset) { request, _ in
            self.emails.requestReset(request.email)
            return AuthDone()
        }
        router.register(AuthMethods.confirmEmail) { request, _ in
            try await self.database.transaction { session in
                let user = try await self.emails.consume(request.token, .verifyEmail, in: session)
                try await session.execute(
                    "UPDATE accounts SET email_verified = true, updated_at = now() WHERE id = $1", [user])
            }
            return AuthDone()
        }
        router.register(AuthMethods.resetPassword) { request, _ in
            try await self.resetPassword(request)
            return AuthDone()
        }
        router.register(AuthMethods.verifyApiKey) { request, _ in try await self.apiKeys.verify(request.apiKey) }
        router.register(AuthMethods.redeemHandoff) { request, _ in try await self.handoffs.redeem(request) }
        router.register(AuthMethods.listOAuthProviders) { _, _ in
            var response = AuthListOAuthProvidersResponse()
            response.providers = self.oauth.providers.keys.sorted()
            return response
        }
        router.register(AuthMethods.oauthStart) { request, _ in try await self.oauth.start(request.provider) }
        router.register(AuthMethods.oauthFinish) { request, _ in try await self.oauth.finish(request) }

        // The caller, about their own account.
        router.register(AuthMethods.getAccount) { request, context in
            let caller = try RPCCaller.auth(context.metadata)
            if request.userID.isEmpty || request.userID.lowercased() == caller.id {
                return try await self.accounts.account(caller.userID)
            }
            _ = try caller.requireAdmin()
            return try await self.accounts.account(try Validation.userID(request.userID))
        }
        router.register(AuthMethods.updateProfile) { request, context in
            try await self.accounts.updateProfile(try RPCCaller.auth(context.metadata).requireSession().userID, request)
        }
        router.register(AuthMethods.changePassword) { request, context in
            let caller = try RPCCaller.auth(context.metadata).requireSession()
            try await self.accounts.changePassword(caller.userID, session: caller.sessionID, request)
            return AuthDone()
        }
        router.register(AuthMethods.deleteAccount) { request, context in
            try await self.accounts.delete(try RPCCaller.auth(context.metadata).requireSession().userID, request)
            return AuthDone()
        }
        router.register(AuthMethods.exportAccount) { _, context in
            var response = AuthExportAccountResponse()
            response.json = try await self.accounts.export(try RPCCaller.auth(context.metadata).requireSession().userID)
            return response
        }
        router.register(AuthMethods.getSignInHistory) { request, context in
            let limit = request.limit == 0 ? 50 : Int(min(request.limit, 500))
            return try await self.accounts.signInHistory(try RPCCaller.auth(context.metadata).userID, limit: limit)
        }
        router.register(AuthMethods.createApiKey) { request, context in
            try await self.apiKeys.create(for: try RPCCaller.auth(context.metadata).requireSession().userID, request)
        }
        router.register(AuthMethods.createHandoff) { request, context in
            try await self.handoffs.create(for: try RPCCaller.auth(context.metadata).requireSession().userID, request)
        }
        router.register(AuthMethods.getHandoff) { request, context in
            try await self.handoffs.get(
                request.handoffID, for: try RPCCaller.auth(context.metadata).requireSession().userID)
        }
        router.register(AuthMethods.listApiKeys) { _, context in
            try await self.apiKeys.list(for: try RPCCaller.auth(context.metadata).requireSession().userID)
        }
        router.register(AuthMethods.getApiKeyUsage) { request, context in
            try await self.apiKeys.usage(
                of: request.keyID, for: try RPCCaller.auth(context.metadata).userID, days: request.days)
        }
        router.register(AuthMethods.recordApiKeyUsage) { request, context in
            try RPCCaller.requireService(context.metadata)
            try await self.apiKeys.record(request.usage)
            return AuthDone()
        }
        router.register(AuthMethods.revokeApiKey) { request, context in
            try await self.apiKeys.revoke(
                request.keyID, for: try RPCCaller.auth(context.metadata).requireSession().userID)
            return AuthDone()
        }

        self.registerNotifications(in: &router)
        self.registerTeams(in: &router)

        // Administrators.
        router.register(AuthMethods.listUsers) { request, context in
            _ = try RPCCaller.auth(context.metadata).requireAdmin()
            return try await self.admin.listUsers(request)
        }
        router.register(AuthMethods.setUserState) { request, context in
            try await self.admin.setUserState(
                actor: try RPCCaller.auth(context.metadata).requireAdmin().userID, request)
        }
        router.register(AuthMethods.listAudit) { request, context in
            _ = try RPCCaller.auth(context.metadata).requireAdmin()
            let pageSize = Int(request.pageSize == 0 ? 50 : min(request.pageSize, 200))
            return try await AuditLog.list(pageSize: pageSize, pageToken: request.pageToken, in: self.database)
        }
        router.register(AuthMethods.rotateSigningKey) { _, context in
            try await self.admin.rotateSigningKey(actor: try RPCCaller.auth(context.metadata).requireAdmin().userID)
        }
    }

    /// Reads take an API key too; changes need a signed-in session.
    private func registerTeams(in router: inout RPCRouter) {
        router.register(AuthMethods.createTeam) { request, context in
            try await self.teams.create(try RPCCaller.auth(context.metadata).requireSession().userID, request)
        }
        router.register(AuthMethods.listTeams) { _, context in
            try await self.teams.list(try RPCCaller.auth(context.metadata).userID)
        }
        router.register(AuthMethods.listAllTeams) { request, context in
            _ = try RPCCaller.auth(context.metadata).requireAdmin()
            return try await self.teams.listAll(request)
        }
        router.register(AuthMethods.getTeam) { request, context in
            try await self.teams.team(
                try failure.parseID(request.teamID, "team"), for: try RPCCaller.auth(context.metadata).userID)
        }
        router.register(AuthMethods.inviteToTeam) { request, context in
            try await self.teams.invite(try RPCCaller.auth(context.metadata).requireSession().userID, request)
        }
        router.register(AuthMethods.cancelTeamInvitation) { request, context in
            try await self.teams.cancelInvitation(
                try RPCCaller.auth(context.metadata).requireSession().userID, request)
            return AuthDone()
        }
        router.register(AuthMethods.acceptTeamInvitation) { request, context in
            try await self.teams.accept(
                try RPCCaller.auth(context.metadata).requireSession().userID, token: request.token)
        }
        router.register(AuthMethods.setTeamMember) { request, context in
            try await self.teams.setMember(try RPCCaller.auth(context.metadata).requireSession().userID, request)
        }
        router.register(AuthMethods.removeTeamMember) { request, context in
            try await self.teams.remove(try RPCCaller.auth(context.metadata).requireSession().userID, request)
            return AuthDone()
        }
        router.register(AuthMethods.deleteTeam) { request, context in
            try await self.teams.delete(try RPCCaller.auth(context.metadata).requireSession().userID, request)
            return AuthDone()
        }
    }

    private func registerNotifications(in router: inout RPCRouter) {
        router.register(AuthMethods.notify) { request, context in
            try RPCCaller.requireService(context.metadata)
            return try await self.notifications.notify(request)
        }
        router.register(AuthMethods.unsubscribe) { request, _ in try await self.notifications.unsubscribe(request.token)
        }
        router.register(AuthMethods.listNotifications) { request, context in
            try await self.notifications.list(try RPCCaller.auth(context.metadata).userID, request)
        }
        router.register(AuthMethods.markNotificationsRead) { request, context in
            try await self.notifications.markRead(try RPCCaller.auth(context.metadata).userID, request)
        }
        router.register(AuthMethods.getNotificationPreferences) { _, context in
            try await self.notifications.preferences(try RPCCaller.auth(context.metadata).userID)
        }
        router.register(AuthMethods.setNotificationPreferences) { request, context in
            try await self.notifications.setPreferences(
                try RPCCaller.auth(context.metadata).requireSession().userID, request)
        }
    }

    /// A new password from an emailed link: the link is used up and every session signed out.
    private func resetPassword(_ request: AuthResetPasswordRequest) async throws {
        // Validate what can be validated before using up the link (the email is checked once known).
        try Validation.newPassword(request.newPassword, email: "", common: self.commonPasswords)
        let hash = try await self.hasher.hash(request.newPassword)
        try await self.database.transaction { session in
            let user = try await self.emails.consume(request.token, .resetPassword, in: session)
            guard let account = try await AccountRecord.find(id: user, in: session) else {
                throw failure.invalidEmailToken
            }
            try Validation.newPassword(request.newPassword, email: account.email, common: self.commonPasswords)
            try await session.execute(
                "UPDATE accounts SET password_hash = $2, updated_at = now() WHERE id = $1", [user, hash])
            try await Sessions.revokeAll(of: user, reason: "password reset", in: session)
        }
    }
}
