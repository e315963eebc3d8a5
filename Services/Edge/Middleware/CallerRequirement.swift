import Hummingbird

/// What a route asks of its caller, checked before its handler runs (and before its body is read):
/// a verified caller, and then a session, an admin, or an API key scope. Routes declare it where
/// they are registered — `router.requiring(.scope("files:read")).get(…)` — so a reader sees every
/// route's rule in one table, and no handler can forget its check.
struct CallerRequirement: RouterMiddleware {
    typealias Context = EdgeRequestContext

    enum Need: Sendable {
        /// Any verified caller: a session, a cookie or an API key of any scope.
        case caller
        /// A signed-in session, not an API key (keys cannot manage keys, passwords, money).
        case session
        /// A signed-in administrator.
        case admin
        /// A session, or an API key with this scope.
        case scope(String)
        /// A session, or an API key with any of these scopes.
        case anyScope([String])
        /// A session, or an API key with all of these scopes.
        case allScopes([String])
    }

    let need: Need

    func handle(
        _ request: Request, context: EdgeRequestContext,
        next: (Request, EdgeRequestContext) async throws -> Response
    ) async throws -> Response {
        let caller = try context.requireCaller()
        switch self.need {
        case .caller: break
        case .session: try caller.requireSession()
        case .admin: try caller.requireAdmin()
        case .scope(let scope): try caller.require(scope: scope)
        case .allScopes(let scopes): for scope in scopes { try caller.require(scope: scope) }
        case .anyScope(let scopes):
            guard scopes.contains(where: { (try? caller.require(scope: $0)) != nil }) else {
                try caller.require(scope: scopes[0])
                break
            }
        }
        return try await next(request, context)
    }
}

extension RouterMethods where Context == EdgeRequestContext {
    /// The routes registered on the answer check `need` first.
    func requiring(_ need: CallerRequirement.Need) -> RouterGroup<EdgeRequestContext> {
        self.group().add(middleware: CallerRequirement(need: need))
    }
}
