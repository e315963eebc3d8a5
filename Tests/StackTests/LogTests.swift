import Foundation
import TestSupport
import Testing

/// LOG_FORMAT=json: every line a service writes is one JSON object with time, level, service and
/// message; the edge's access log gives each request's method, route template, status, bytes,
/// duration, request id and caller id — and never a token, a password or a query string.
@Suite("structured logs", .serialized)
struct LogTests {
    @Test func jsonLinesAndAnAccessLogThatKeepsSecretsOut() async throws {
        let stack = try await ServiceStack.start(["auth"], environment: ["LOG_FORMAT": "json"])
        let password = "correct horse battery staple"
        let user = try await stack.http.signedInUser("logged@imageswiss.test", password: password)
        let me = try await stack.http.call("GET", "/api/v1/me", bearer: user.access)
        let requestID = try #require(me.headers["x-request-id"])
        let missing = try await stack.http.call(
            "GET", "/api/v1/admin/users/not-a-uuid?sig=secret-signature", bearer: user.access)
        #expect(missing.status >= 400)
        await stack.stop()

        for service in ["edge", "auth"] {
            let text = try String(contentsOfFile: "\(stack.scratch)/\(service).log", encoding: .utf8)
            let lines = text.split(separator: "\n").filter { $0.hasPrefix("{") }
            #expect(lines.count > 2, "\(service) wrote JSON lines")
            for line in lines {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(
                    object?["time"] is String && object?["level"] is String && object?["message"] is String
                        && (object?["service"] as? String)?.hasPrefix("imageswiss") == true, "\(line)")
            }
            #expect(!text.contains(user.access) && !text.contains(user.refresh) && !text.contains(password))
            #expect(!text.contains("secret-signature"))
            // Hummingbird's request id key is written as the platform's own (LogKeys).
            #expect(!text.contains("hb.request.id"))
        }
        let edge = try String(contentsOfFile: "\(stack.scratch)/edge.log", encoding: .utf8)
        let access = edge.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
        }.filter { $0["message"] == "http" }
        let read = try #require(access.first { $0["request-id"] == requestID }, "\(access)")
        #expect(
            read["method"] == "GET" && read["route"] == "/api/v1/me" && read["status"] == "200"
                && read["caller-id"] == user.id && Double(read["duration_ms"] ?? "") != nil
                && Int(read["bytes"] ?? "") ?? 0 > 0, "\(read)")
        #expect(access.contains { $0["route"] == "/api/v1/admin/users/{id}" && $0["status"] == "403" }, "\(access)")
    }
}
