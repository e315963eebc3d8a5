import Foundation
import TestSupport
import Testing

/// A user's usage side by side: credits spent (Billing's ledger), jobs and files processed (Jobs)
/// and API calls (Auth's per-key counts), per day and operation, as JSON and CSV.
@Suite(.serialized) struct UsageTests {
    @Test func usageAgreesWithWhatWasDone() async throws {
        let jobs = try await JobsStack.start(["EDGE_KEY_USAGE_REPORT_MS": "200"])
        defer { Task { await jobs.stop() } }
        let user = try await jobs.user("counted@imageswiss.test", credits: 10)
        let created = try await jobs.http.call(
            "POST", "/api/v1/auth/keys", json: ["name": "script"], bearer: user.access)
        let key = try #require(created.json["secret"] as? String, "\(created.text)")

        // Everything below with the key, counted.
        var calls = 0
        func withKey(_ method: String, _ path: String, json: Any? = nil) async throws -> HTTPReply {
            calls += 1
            return try await jobs.http.call(method, path, json: json, bearer: key)
        }
        var photos: [String] = []
        for width in [640, 800] {
            calls += 1
            photos.append(try await jobs.upload(key, width: width, height: 480))
        }
        let batch = try await withKey(
            "POST", "/api/v1/batches",
            json: ["input_file_ids": photos, "steps": [["operation": "resize", "parameters": ["width": 64]]]])
        let batchID = try #require(batch.json["id"] as? String, "\(batch.text)")
        let end = ContinuousClock.now + .seconds(60)
        while try await withKey("GET", "/api/v1/batches/\(batchID)").json["status"] as? String != "succeeded" {
            guard ContinuousClock.now < end else { throw TestSupportError("batch did not finish") }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await withKey("GET", "/api/v1/files/not-a-file").status == 404)

        var usage: [String: Any] = [:]
        repeat {
            try await Task.sleep(for: .milliseconds(200))
            usage = try await jobs.http.call("GET", "/api/v1/billing/usage?days=7", bearer: user.access).json
        } while (usage["total_api_calls"] as? Int != calls || usage["total_charges"] as? Int != 2)
            && ContinuousClock.now < end
        let lines = usage["lines"] as? [[String: Any]] ?? []
        let resize = try #require(lines.first { $0["operation"] as? String == "resize" }, "\(usage)")
        #expect(resize["credits_spent"] as? Int == 2 && resize["charges"] as? Int == 2, "\(resize)")
        #expect(resize["jobs"] as? Int == 2 && resize["files_processed"] as? Int == 2, "\(resize)")
        #expect(usage["total_jobs"] as? Int == 2 && usage["total_files_processed"] as? Int == 2)
        let today = try #require(resize["day"] as? String)
        let api = try #require((usage["api_calls"] as? [[String: Any]])?.first, "\(usage)")
        #expect(api["day"] as? String == today && api["calls"] as? Int == calls && api["errors"] as? Int == 1, "\(api)")

        let csv = try await jobs.http.call("GET", "/api/v1/billing/usage?days=7&format=csv", bearer: user.access)
        #expect(csv.text.hasPrefix("day,operation,credits_spent,charges,jobs,files_processed,api_calls\r\n"))
        #expect(csv.text.contains("\(today),resize,2,2,2,2,0\r\n"), "\(csv.text)")
        #expect(csv.text.contains("\(today),api_calls,0,0,0,0,\(calls)\r\n"), "\(csv.text)")
        #expect(try await jobs.http.call("GET", "/api/v1/billing/usage?days=5", bearer: user.access).status == 400)
    }
}
