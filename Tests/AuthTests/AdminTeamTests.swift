import Foundation
import TestSupport
import Testing

/// Admins see every team: newest first, its owner and member count, searchable by name or owner,
/// paged; anyone else is refused.
@Suite(.serialized) struct AdminTeamTests {
    @Test func adminsListEveryTeamAndSearchIt() async throws {
        let admin = "admin@imageswiss.test"
        let stack = try await ServiceStack.start(["auth", "billing"], environment: ["AUTH_FIRST_ADMIN_EMAIL": admin])
        defer { Task { await stack.stop() } }
        let boss = try await stack.http.signedInUser(admin)
        let ana = try await stack.http.signedInUser("ana@imageswiss.test")
        let ben = try await stack.http.signedInUser("ben@imageswiss.test")
        for (owner, name) in [(ana, "Studio 50%_off"), (ben, "Ben's Prints"), (ana, "Archive")] {
            let created = try await stack.http.call("POST", "/api/v1/teams", json: ["name": name], bearer: owner.access)
            #expect(created.status == 201, "\(created.text)")
        }
        func names(_ path: String) async throws -> [String] {
            let page = try await stack.http.call("GET", path, bearer: boss.access)
            #expect(page.status == 200, "\(page.text)")
            return (page.json["items"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        }
        #expect(try await names("/api/v1/admin/teams") == ["Archive", "Ben's Prints", "Studio 50%_off"])
        #expect(try await names("/api/v1/admin/teams?q=ben@") == ["Ben's Prints"], "by the owner's address")
        #expect(try await names("/api/v1/admin/teams?q=50%25_") == ["Studio 50%_off"], "% and _ as text")
        #expect(try await names("/api/v1/admin/teams?q=%25off%25x").isEmpty)
        let first = try await stack.http.call("GET", "/api/v1/admin/teams?page_size=2", bearer: boss.access)
        let token = try #require(first.json["next_page_token"] as? String)
        #expect(try await names("/api/v1/admin/teams?page_size=2&page_token=\(token)") == ["Studio 50%_off"])
        let row = (first.json["items"] as? [[String: Any]])?.first
        #expect(row?["owner_email"] as? String == "ana@imageswiss.test" && row?["member_count"] as? Int == 1)
        let refused = try await stack.http.call("GET", "/api/v1/admin/teams", bearer: ana.access)
        #expect(refused.status == 403 && refused.errorCode == "admin_only", "\(refused.text)")
        let forged = try await stack.http.call("GET", "/api/v1/admin/teams?page_token=1_x", bearer: boss.access)
        #expect(forged.status == 400, "\(forged.text)")
    }
}
