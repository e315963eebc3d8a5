import Foundation
import ServiceRuntime

/// An OAuth 2.0 provider ImageSwiss can sign in with, enabled only when its client id and secret
/// are configured (AUTH_OAUTH_<NAME>_CLIENT_ID / _CLIENT_SECRET). The endpoint URLs default to the
/// providers' real ones and can be pointed elsewhere (tests run a local server speaking them).
struct OAuthProvider: Sendable {
    enum Kind: String, Sendable { case google, github }

    let kind: Kind
    let clientID: String
    let clientSecret: String
    let authorizeURL: String
    let tokenURL: String
    /// Google: the OpenID userinfo endpoint. GitHub: the /user endpoint.
    let userURL: String
    /// GitHub only: /user/emails, where the verified primary address is.
    let emailsURL: String?
    let scope: String

    var name: String { self.kind.rawValue }

    static func configured(_ configuration: ServiceConfiguration) -> [String: OAuthProvider] {
        var providers: [String: OAuthProvider] = [:]
        func value(_ kind: Kind, _ key: String, _ fallback: String) -> String {
            configuration.string("OAUTH_\(kind.rawValue.uppercased())_\(key)", default: fallback)
        }
        for kind in [Kind.google, .github] {
            guard let id = configuration.string("OAUTH_\(kind.rawValue.uppercased())_CLIENT_ID"), !id.isEmpty,
                let secret = configuration.string("OAUTH_\(kind.rawValue.uppercased())_CLIENT_SECRET"), !secret.isEmpty
            else { continue }
            switch kind {
            case .google:
                providers[kind.rawValue] = OAuthProvider(
                    kind: kind, clientID: id, clientSecret: secret,
                    authorizeURL: value(kind, "AUTHORIZE_URL", "https://accounts.google.com/o/oauth2/v2/auth"),
                    tokenURL: value(kind, "TOKEN_URL", "https://oauth2.googleapis.com/token"),
                    userURL: value(kind, "USER_URL", "https://openidconnect.googleapis.com/v1/userinfo"),
                    emailsURL: nil, scope: "openid email profile"
                )
            case .github:
                providers[kind.rawValue] = OAuthProvider(
                    kind: kind, clientID: id, clientSecret: secret,
                    authorizeURL: value(kind, "AUTHORIZE_URL", "https://github.com/login/oauth/authorize"),
                    tokenURL: value(kind, "TOKEN_URL", "https://github.com/login/oauth/access_token"),
                    userURL: value(kind, "USER_URL", "https://api.github.com/user"),
                    emailsURL: value(kind, "EMAILS_URL", "https://api.github.com/user/emails"),
                    scope: "read:user user:email"
                )
            }
        }
        return providers
    }
}

/// Who the provider says the user is.
struct OAuthIdentity: Sendable {
    let subject: String
    /// A verified address, or nil when the provider shared none.
    let verifiedEmail: String?
    let name: String
}
