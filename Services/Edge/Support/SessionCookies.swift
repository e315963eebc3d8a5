import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import Tokens

/// Browser sessions: the access token and refresh token in HttpOnly, Secure, SameSite=Strict
/// cookies (scripts cannot read them), and a CSRF token in a readable cookie that the web app
/// echoes in `X-CSRF-Token` on every change. EDGE_COOKIE_SECURE=false drops `Secure` for plain-HTTP
/// development on a non-localhost name.
enum SessionCookies {
    static let access = "isw_access"
    static let refresh = "isw_refresh"
    static let csrf = "isw_csrf"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    /// The refresh cookie goes only to the auth routes that use it.
    static let refreshPath = "/api/v1/auth"
    static var secure: Bool { EdgeSettings.current.withLock(\.secureCookies) }

    static func set(_ tokens: AuthTokenPair, on response: inout Response) {
        let now = Date().timeIntervalSince1970
        let accessAge = max(0, Int(Double(tokens.accessExpiresAt.unixMicros) / 1e6 - now))
        let refreshAge = max(0, Int(Double(tokens.refreshExpiresAt.unixMicros) / 1e6 - now))
        response.setCookie(
            Cookie(
                name: access, value: tokens.accessToken, maxAge: accessAge, path: "/", secure: secure, httpOnly: true,
                sameSite: .strict))
        response.setCookie(
            Cookie(
                name: refresh, value: tokens.refreshToken, maxAge: refreshAge, path: refreshPath, secure: secure,
                httpOnly: true, sameSite: .strict))
        response.setCookie(
            Cookie(
                name: csrf, value: OpaqueToken.generate(), maxAge: refreshAge, path: "/", secure: secure,
                httpOnly: false, sameSite: .strict))
    }

    /// 403 unless the `X-CSRF-Token` header repeats the `isw_csrf` cookie (compared in constant time):
    /// what every state-changing request authenticated by cookie must show.
    static func requireCSRF(_ request: Request) throws {
        guard let expected = request.cookies[csrf]?.value, !expected.isEmpty,
            let header = request.headers[csrfHeader], constantTimeEqual(header, expected)
        else {
            throw EdgeError(.forbidden, "csrf_failed", "cookie sessions must send the X-CSRF-Token header on changes")
        }
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func clear(on response: inout Response) {
        for (name, path) in [(access, "/"), (refresh, refreshPath), (csrf, "/")] {
            response.setCookie(
                Cookie(
                    name: name, value: "", maxAge: 0, path: path, secure: secure, httpOnly: name != csrf,
                    sameSite: .strict))
        }
    }
}
