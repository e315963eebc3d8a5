import Foundation
import TestSupport
import Testing

/// The OpenAPI document the edge serves matches the implementation: schemathesis (PyPI) generates
/// requests from it against the running stack and checks every answer — no 5xx, a documented status
/// and content type, a body matching its schema. Also the edge's own guards: security headers, CORS,
/// rate limits with Retry-After, request ids in errors.
@Suite(.serialized) struct OpenAPITests {
    @Test func schemathesisAgainstTheRunningStack() async throws {
        // The fuzzer is one client on loopback: rate limits would answer most of its requests.
        let stack = try await ServiceStack.start(
            ["auth", "billing", "storage", "imageops", "jobs"],
            environment: [
                "EDGE_PUBLIC_URL": "", "EDGE_RATE_LIMIT_IP_PER_S": "100000", "EDGE_RATE_LIMIT_IP_BURST": "100000",
                "EDGE_RATE_LIMIT_USER_PER_S": "100000", "EDGE_RATE_LIMIT_USER_BURST": "100000",
                "AUTH_FIRST_ADMIN_EMAIL": "schema-admin@imageswiss.test",
            ])
        defer { Task { await stack.stop() } }
        let user = try await stack.http.signedInUser("schema@imageswiss.test")
        let admin = try await stack.http.signedInUser("schema-admin@imageswiss.test")
        let document = try await stack.http.call("GET", "/api/v1/openapi.json")
        #expect(document.status == 200 && document.json["openapi"] as? String == "3.1.0")
        // Every operation as a user (the admin ones answer 403), then the admin ones as an admin.
        for (token, only) in [(user.access, [String]()), (admin.access, ["--include-path-regex", "^/api/v1/admin"])] {
            let result = try await runWithStatus(
                "/usr/bin/env",
                [
                    "schemathesis", "run", stack.http.baseURL + "/api/v1/openapi.json",
                    "--checks",
                    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                    "--max-examples", "15", "--seed", "1", "--request-timeout", "20",
                    "-H", "Authorization: Bearer \(token)",
                ] + only,
                environment: ProcessInfo.processInfo.environment.merging(["NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""]) {
                    $1
                })
            #expect(result.status == 0 && result.output.contains("passed"), "\(only) \(result.output.suffix(6000))")
        }
    }

    @Test func headersCORSAndRateLimits() async throws {
        let stack = try await ServiceStack.start(
            ["auth"],
            environment: [
                "EDGE_CORS_ORIGINS": "https://app.example", "EDGE_RATE_LIMIT_IP_PER_S": "1",
                "EDGE_RATE_LIMIT_IP_BURST": "5",
            ])
        defer { Task { await stack.stop() } }
        let page = try await stack.http.call("GET", "/")
        #expect(page.status == 200 && page.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(page.headers["content-security-policy"]?.contains("frame-ancestors 'none'") == true)
        #expect(page.headers["x-content-type-options"] == "nosniff" && page.headers["referrer-policy"] == "no-referrer")
        let script = try await stack.http.call("GET", "/app.js")
        #expect(script.status == 200 && script.headers["content-type"]?.contains("javascript") == true)

        let preflight = try await stack.http.call(
            "OPTIONS", "/api/v1/billing/packs",
            headers: [
                "Origin": "https://app.example", "Access-Control-Request-Method": "POST",
            ])
        #expect(preflight.status == 204 && preflight.headers["access-control-allow-origin"] == "https://app.example")
        let foreign = try await stack.http.call("GET", "/api/v1/me", headers: ["Origin": "https://evil.example"])
        #expect(foreign.headers["access-control-allow-origin"] == nil)

        // Five at once pass (the burst), then 429 with Retry-After and the request id in the error.
        var statuses: [Int] = []
        var limited: HTTPReply?
        for _ in 0..<8 {
            let reply = try await stack.http.call("GET", "/api/v1/me")
            statuses.append(reply.status)
            if reply.status == 429 { limited = reply }
        }
        #expect(statuses.prefix(4).allSatisfy { $0 == 401 }, "\(statuses)")
        let refused = try #require(limited, "\(statuses)")
        #expect(refused.errorCode == "rate_limited" && Int(refused.headers["retry-after"] ?? "") ?? 0 >= 1)
        #expect(((refused.json["error"] as? [String: Any])?["request_id"] as? String)?.isEmpty == false)
    }
}
