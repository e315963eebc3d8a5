import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Every route's caller rule (CallerRequirement, declared where the route is registered) is the one
/// the OpenAPI document states in its `security`: `[]` public; `{bearer: []}` any caller;
/// `{bearer: ["session"]}` a signed-in session; `{bearer: ["admin"]}` an administrator; scopes
/// otherwise — all of one entry's, from any one entry. The rule is found by calling the route as
/// callers who differ in one thing (no credentials, API keys lacking one scope or holding one, a
/// session that is not an admin's), so the test reads behaviour, not code.
@Suite("every route's caller rule is the document's", .serialized)
struct RouteRequirementTests {
    static let scopes = ["billing:read", "files:read", "files:write", "jobs:read", "jobs:write", "profile:read"]

    /// Routes under a team's prefix answer 404 for a team the caller is not in before any rule
    /// (TeamAccountMiddleware); they are registered by the same functions as one's own
    /// (FileRoutes.addReads, BillingRoutes.addAccount, InvoiceRoutes.addAccount), so their rules are
    /// those of the routes without the prefix, which this test reads.
    static func skipped(_ path: String) -> Bool {
        path.hasPrefix("/api/v1/teams/{team}/billing") || path.hasPrefix("/api/v1/teams/{team}/files")
    }

    @Test func everyRoutesCallerRuleIsTheDocumentsSecurity() async throws {
        let stack = try await InProcessStack.start([
            "EDGE_RATE_LIMIT_USER_BURST": "1000000", "EDGE_RATE_LIMIT_IP_BURST": "1000000",
            "EDGE_RATE_LIMIT_KEY_BURST": "1000000", "EDGE_RATE_LIMIT_KEY_PAID_BURST": "1000000",
        ])
        let document = try OpenAPIDocument.load()
        try await Application(router: stack.router).test(.router) { client in
            let email = "rules-\(UUID().uuidString.prefix(6).lowercased())@example.com"
            let session = try await EdgeRouteTests.registerAndSignIn(
                client, email: email, password: "correct horse battery")
            func key(_ scopes: [String]) async throws -> String {
                try await client.execute(
                    uri: "/api/v1/auth/keys", method: .post,
                    headers: [.contentType: "application/json", .authorization: "Bearer \(session)"],
                    body: try EdgeRouteTests.body(["name": scopes.joined(separator: " "), "scopes": scopes])
                ) { response in
                    #expect(response.status == .created, "\(String(buffer: response.body))")
                    return try #require(try EdgeRouteTests.json(response.body)["secret"] as? String)
                }
            }
            let everything = try await key(Self.scopes)
            var allBut: [String: String] = [:]
            var only: [String: String] = [:]
            for scope in Self.scopes {
                allBut[scope] = try await key(Self.scopes.filter { $0 != scope })
                only[scope] = try await key([scope])
            }

            /// The error code of an answer ("" for a success or an answer without one).
            func code(_ method: HTTPRequest.Method, _ uri: String, _ bearer: String?) async throws -> String {
                var headers: HTTPFields = [.contentType: "application/json", .accept: "application/json"]
                if let bearer { headers[.authorization] = "Bearer \(bearer)" }
                return try await client.execute(
                    uri: uri, method: method, headers: headers, body: ByteBuffer(string: "{}")
                ) { response in
                    guard response.status.code >= 400 else { return "" }
                    let error = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)))
                        .flatMap { ($0 as? [String: Any])?["error"] as? [String: Any] }
                    return error?["code"] as? String ?? "\(response.status.code)"
                }
            }

            var mismatches: [String] = []
            // Signing out and deleting the account end the session the other calls use: last.
            let last: Set = ["POST /api/v1/auth/signout", "DELETE /api/v1/me"]
            let operations = document.operations.filter { !Self.skipped($0.path) }
                .sorted { (last.contains($0.name) ? 1 : 0, $0.name) < (last.contains($1.name) ? 1 : 0, $1.name) }
            for operation in operations {
                let method = HTTPRequest.Method(rawValue: operation.method.uppercased())!
                let uri = operation.samplePath
                var found: OpenAPIDocument.Rule
                if try await code(method, uri, nil) != "unauthenticated" {
                    found = .public
                } else if try await code(method, uri, everything) == "session_required" {
                    found = try await code(method, uri, session) == "admin_only" ? .admin : .session
                } else {
                    var required: [String] = []
                    for scope in Self.scopes where try await code(method, uri, allBut[scope]) == "insufficient_scope" {
                        required.append(scope)
                    }
                    if !required.isEmpty {
                        found = .scopes([required])
                    } else {
                        var enough: [[String]] = []
                        for scope in Self.scopes where try await code(method, uri, only[scope]) != "insufficient_scope"
                        {
                            enough.append([scope])
                        }
                        found = enough.count == Self.scopes.count ? .anyCaller : .scopes(enough)
                    }
                }
                if found != operation.rule {
                    mismatches.append("\(operation.name): the route asks \(found), the document says \(operation.rule)")
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.count) routes:\n\(mismatches.joined(separator: "\n"))")
        }
        await stack.close()
    }
}

/// The parts of Services/Edge/Public/openapi.json these tests read.
struct OpenAPIDocument {
    enum Rule: Equatable, CustomStringConvertible {
        case `public`, anyCaller, session, admin
        /// Alternatives, each a set of scopes that must all be held.
        case scopes([[String]])

        var description: String {
            switch self {
            case .public: "public"
            case .anyCaller: "any caller"
            case .session: "session"
            case .admin: "admin"
            case .scopes(let sets): sets.map { $0.joined(separator: "+") }.joined(separator: " or ")
            }
        }
    }

    struct Operation {
        let method, path: String
        let rule: Rule
        var name: String { "\(self.method.uppercased()) \(self.path)" }
        /// The path with every parameter filled: ids nobody owns, a plausible signature.
        var samplePath: String {
            self.path.replacingOccurrences(
                of: #"\{[a-z_]+\}"#, with: "0f0e0d0c-0b0a-4908-8706-050403020100", options: .regularExpression)
        }
    }

    let operations: [Operation]

    static func load() throws -> OpenAPIDocument {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let document =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: root.appendingPathComponent("Services/Edge/Public/openapi.json")))
            as! [String: Any]
        let global = document["security"] as? [[String: [String]]] ?? []
        var operations: [Operation] = []
        for (path, item) in document["paths"] as! [String: [String: Any]] {
            for (method, value) in item where ["get", "put", "post", "patch", "delete", "head"].contains(method) {
                let security = (value as? [String: Any])?["security"] as? [[String: [String]]] ?? global
                operations.append(Operation(method: method, path: path, rule: Self.rule(security)))
            }
        }
        return OpenAPIDocument(operations: operations)
    }

    static func rule(_ security: [[String: [String]]]) -> Rule {
        let sets = security.map { $0["bearer"] ?? [] }
        if sets.isEmpty { return .public }
        if sets == [[]] { return .anyCaller }
        if sets == [["session"]] { return .session }
        if sets == [["admin"]] { return .admin }
        return .scopes(sets.map { $0.sorted() }.sorted { $0.joined() < $1.joined() })
    }
}
