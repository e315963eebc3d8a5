import Foundation
import Testing

@testable import TestSupport

/// Every route of the API document that takes an id, called by another user with the owner's real
/// ids, with unknown ids and with malformed ones: each answers 404 with the same error each time,
/// so nobody learns whether someone else's id exists. (Admin routes, OAuth's provider names and
/// signed /d/ links are not ids of a user's.)
@Suite(.serialized)
struct OwnershipTests {
    @Test func anotherUsersIdsAreNotFoundLikeUnknownAndMalformedOnes() async throws {
        // Some 150 calls in a few seconds: the edge's rate limits would answer 429 instead.
        let jobs = try await JobsStack.start([
            "EDGE_RATE_LIMIT_IP_PER_S": "100000", "EDGE_RATE_LIMIT_IP_BURST": "100000",
            "EDGE_RATE_LIMIT_USER_PER_S": "100000", "EDGE_RATE_LIMIT_USER_BURST": "100000",
        ])
        defer { Task { await jobs.stop() } }
        let http = jobs.http
        let owner = try await jobs.user("owner-of-things@imageswiss.test", credits: 50)
        let other = try await jobs.user("someone-else@imageswiss.test", credits: 50)

        // One of each thing the owner can have.
        let file = try await jobs.upload(owner.access, width: 640, height: 480)
        let job =
            try await http.call(
                "POST", "/api/v1/jobs", json: TeamTests.resize(file), bearer: owner.access
            ).json["id"] as! String
        let batch = try await http.succeededBatch(
            [file], steps: [["operation": "resize", "parameters": ["width": 32]]], token: owner.access)
        let webhook =
            try await http.call(
                "POST", "/api/v1/webhooks", json: ["url": "http://127.0.0.1:9/hook"], bearer: owner.access
            ).json["id"] as! String
        _ = try await http.call("POST", "/api/v1/webhooks/\(webhook)/test", bearer: owner.access)
        var delivery = ""
        try await TeamTests.waitUntil {
            let page = try await http.call("GET", "/api/v1/webhooks/\(webhook)/deliveries", bearer: owner.access)
            delivery = ((page.json["items"] as? [[String: Any]])?.first?["id"]).map { "\($0)" } ?? ""
            return !delivery.isEmpty
        }
        let key =
            try await http.call(
                "POST", "/api/v1/auth/keys", json: ["name": "ci", "scopes": ["files:read"]], bearer: owner.access
            ).json["id"] as! String
        let checkout =
            try await http.call(
                "POST", "/api/v1/billing/checkout", json: ["pack_id": "starter"], bearer: owner.access
            ).json["id"] as! String
        _ = try await http.call("POST", "/api/v1/billing/checkout/\(checkout)/complete", bearer: owner.access)
        let invoice =
            (try await http.call("GET", "/api/v1/billing/invoices", bearer: owner.access).json["items"]
            as? [[String: Any]])?.first?["id"] as! String
        let upload =
            try await http.call("POST", "/api/v1/uploads", json: [:], bearer: owner.access).json["id"] as! String
        let team =
            try await http.call("POST", "/api/v1/teams", json: ["name": "Mine"], bearer: owner.access)
            .json["id"] as! String
        let invitation =
            try await http.call(
                "POST", "/api/v1/teams/\(team)/invitations", json: ["email": "friend@imageswiss.test"],
                bearer: owner.access
            ).json["id"] as! String
        for id in [job, webhook, key, checkout, invoice, upload, team, invitation, delivery] {
            #expect(!id.isEmpty)
        }

        /// The owner's id for a path parameter, by the path it is in.
        func ownersID(_ name: String, in path: String) -> String {
            switch name {
            case "team": return team
            case "invitation": return invitation
            case "member": return owner.id
            case "delivery_id": return delivery
            default: break
            }
            for (prefix, id) in [
                ("/api/v1/auth/keys/", key), ("/api/v1/batches/", batch), ("/api/v1/billing/checkout/", checkout),
                ("/api/v1/billing/invoices/", invoice), ("/api/v1/billing/credit-notes/", invoice),
                ("/api/v1/jobs/", job), ("/api/v1/models/", job), ("/api/v1/uploads/", upload),
                ("/api/v1/webhooks/", webhook), ("/files/", file), ("/checkout/", checkout), ("/invoices/", invoice),
                ("/credit-notes/", invoice),
            ] where path.contains(prefix) {
                return id
            }
            return file
        }
        /// A body the route accepts, so that its answer is about the id.
        func body(_ method: String, _ path: String) -> [String: Any]? {
            guard ["POST", "PUT", "PATCH"].contains(method) else { return nil }
            if path.hasSuffix("/share") { return ["team_id": team] }
            if path.hasSuffix("/transformations") { return ["options": "w:100"] }
            if path.hasSuffix("/invitations") { return ["email": "x@imageswiss.test"] }
            if path.hasSuffix("/checkout") { return ["pack_id": "starter"] }
            if path.hasSuffix("/subscription") { return ["tier": "free"] }
            if path.hasSuffix("/profile") { return ["name": "", "address": "", "country": "", "tax_id": ""] }
            return [:]
        }

        let document =
            try JSONSerialization.jsonObject(
                with: try Data(
                    contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                        .deletingLastPathComponent().deletingLastPathComponent()
                        .appendingPathComponent("Services/Edge/Public/openapi.json"))) as! [String: Any]
        let paths = (document["paths"] as! [String: [String: Any]]).keys.filter {
            // Signed links (/d/, /t/) are refused by their signature (TransformationTests); a
            // preset's {name} is the caller's own namespace, not another user's id.
            $0.contains("{") && !$0.contains("/admin/") && !$0.contains("{provider}") && !$0.hasPrefix("/d/")
                && !$0.hasPrefix("/t/") && !$0.contains("{name}")
        }.sorted()
        #expect(paths.count >= 40, "\(paths.count) routes with ids")
        var checked = 0
        for path in paths {
            for method in (document["paths"] as! [String: [String: Any]])[path]!.keys.sorted()
            where ["get", "head", "post", "put", "patch", "delete"].contains(method) {
                let verb = method.uppercased()
                var answers: [(variant: String, status: Int, code: String?, message: String?)] = []
                for variant in ["owner's", "unknown", "malformed"] {
                    var url = path
                    for name in Self.parameters(in: path) {
                        let value =
                            switch variant {
                            case "owner's": ownersID(name, in: path)
                            case "unknown": UUID().uuidString.lowercased()
                            default: "not-an-id"
                            }
                        url = url.replacingOccurrences(of: "{\(name)}", with: value)
                    }
                    // An upload's chunk is raw bytes at an offset; everything else takes JSON.
                    let chunk = path == "/api/v1/uploads/{id}" && verb == "PUT"
                    if chunk { url += "?offset=0" }
                    let reply = try await http.call(
                        verb, url, json: chunk ? nil : body(verb, path), raw: chunk ? Data([1]) : nil,
                        bearer: other.access)
                    let error = reply.json["error"] as? [String: Any]
                    answers.append((variant, reply.status, error?["code"] as? String, error?["message"] as? String))
                }
                checked += 1
                #expect(answers.allSatisfy { $0.status == 404 }, "\(verb) \(path): \(answers)")
                if verb != "HEAD" {
                    #expect(
                        Set(answers.map { "\($0.code ?? "")|\($0.message ?? "")" }).count == 1,
                        "\(verb) \(path) answers differ: \(answers)")
                }
            }
        }
        #expect(checked >= 50, "\(checked) operations checked")
        // None of it touched the owner's things.
        #expect(try await http.call("GET", "/api/v1/files/\(file)", bearer: owner.access).status == 200)
        #expect(try await http.call("GET", "/api/v1/teams/\(team)", bearer: owner.access).status == 200)
    }

    static func parameters(in path: String) -> [String] {
        path.split(separator: "{").dropFirst().map { String($0.prefix { $0 != "}" }) }
    }
}
