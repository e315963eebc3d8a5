import HTTPTypes
import Hummingbird

/// Security headers on every answer (FrontDoorMiddleware): a strict Content-Security-Policy for the
/// web app (scripts and styles only from this origin, no framing), nosniff and no referrer. Answers
/// that set their own policy (file downloads: a sandbox) keep it.
enum SecurityHeaders {
    static let policy =
        "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    /// Built (and validated) once: appending a ready field is cheaper than setting a header by
    /// name on every answer (docs/performance.md, "Edge /me").
    static let contentSecurityPolicy = HTTPField(name: .contentSecurityPolicy, value: Self.policy)
    static let fields = [
        HTTPField(name: .xContentTypeOptions, value: "nosniff"),
        HTTPField(name: HTTPField.Name("Referrer-Policy")!, value: "no-referrer"),
        HTTPField(name: HTTPField.Name("X-Frame-Options")!, value: "DENY"),
    ]

    static func apply(_ headers: inout HTTPFields) {
        if !headers.contains(.contentSecurityPolicy) { headers.append(Self.contentSecurityPolicy) }
        for field in Self.fields {
            if headers.contains(field.name) { headers[field.name] = field.value } else { headers.append(field) }
        }
    }
}

/// CORS for the origins named in EDGE_CORS_ORIGINS (comma separated; none by default: the web app is
/// served from the edge itself). A preflight from an allowed origin is answered here; other origins
/// get no CORS headers, so browsers keep their same-origin rule.
struct CORSMiddleware<Context: RequestContext>: RouterMiddleware {
    let origins: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let origin = request.headers[.origin], self.origins.contains(origin) else {
            return try await next(request, context)
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var response = Response(status: .noContent)
            self.allow(origin, &response.headers)
            response.headers[.accessControlAllowMethods] = "GET, HEAD, POST, PUT, PATCH, DELETE"
            response.headers[.accessControlAllowHeaders] =
                "Authorization, Content-Type, Idempotency-Key, X-Request-Id, X-File-Name, X-CSRF-Token"
            response.headers[.accessControlMaxAge] = "600"
            return response
        }
        var response = try await next(request, context)
        self.allow(origin, &response.headers)
        response.headers[.accessControlExposeHeaders] = "X-Request-Id, Retry-After, Content-Disposition, ETag"
        return response
    }

    private func allow(_ origin: String, _ headers: inout HTTPFields) {
        headers[.accessControlAllowOrigin] = origin
        headers[.vary] = "Origin"
    }
}
