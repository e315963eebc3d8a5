import Foundation
import ImageSwissProtos
import TestSupport
import Testing

/// The issue's outage case: 200 generations queued while the provider answers 503 to everything
/// for 30 s, then recovers. Every job ends — succeeded, or failed with the provider's 503 as its
/// reason — credits are captured for exactly the successes and released for the failures, and no
/// job or hold is left behind.
@Suite(.serialized) struct ProviderOutageTests {
    @Test func everyJobEndsWithItsReasonAndOnlySuccessesArePaid() async throws {
        let fake = try await FakeGenerators()
        defer { fake.stop() }
        // Backoff of 4 s doubling, 5 attempts: on average a job outlives a 30 s outage, but not every job.
        let jobs = try await JobsStack.start(["JOBS_RETRY_DELAY_MS": "4000", "JOBS_MAX_ATTEMPTS": "5"])
        defer { Task { await jobs.stop() } }
        let admin = try await jobs.http.signedInUser(JobsStack.adminEmail)
        let user = try await jobs.user("patient@imageswiss.test", credits: 2000)
        for (path, body) in [
            (
                "providers/together",
                ["kind": "together", "base_url": fake.baseURL, "credential": FakeGenerators.togetherKey]
            ),
            (
                "models/flux",
                ["operation": "generation", "provider_id": "together", "reference": "flux", "label": "FLUX"]
            ),
        ] {
            #expect(
                try await jobs.http.call("PUT", "/api/v1/admin/ai/" + path, json: body, bearer: admin.access).status
                    == 200)
        }
        fake.outage(for: .seconds(30))
        var ids: [String] = []
        for chunk in 0..<10 {
            try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        try await jobs.submit(
                            user.id,
                            steps: [("generation", ["prompt": "outage \(chunk)-\(index)", "aspect_ratio": "1:1"])]
                        ).jobID
                    }
                }
                for try await id in group { ids.append(id) }
            }
        }
        #expect(ids.count == 200)
        try await waitUntil(timeout: .seconds(150)) {
            try await jobs.count("SELECT count(*) FROM job_queue") == 0
        }
        let rows = try await jobs.database.query(
            "SELECT id::text AS id, status, last_error, credits, charged_credits FROM jobs WHERE owner_id = $1",
            [user.id])
        #expect(rows.count == 200)
        var succeeded = 0
        for row in rows {
            let (status, error, credits): (String, String, String) = (
                try row.decode("status"), try row.decode("last_error"), try row.decode("credits")
            )
            switch status {
            case "succeeded":
                succeeded += 1
                let charged = try row.decode("charged_credits", as: Int.self)
                #expect(["captured", "capture_pending"].contains(credits) && charged == 5)
            case "failed":
                #expect(
                    error.contains("503") && ["released", "release_pending"].contains(credits), "\(error) \(credits)")
            default:
                Issue.record("a job ended \(status)")
            }
        }
        // Billing agrees once the settler has run: one capture per success, one release per failure.
        try await waitUntil(timeout: .seconds(30)) {
            try await jobs.count(
                "SELECT count(*) FROM holds WHERE account_id = $1 AND state = 'open'", [user.id], billing: true) == 0
        }
        #expect(
            try await jobs.count(
                "SELECT count(*) FROM holds WHERE account_id = $1 AND state = 'captured'", [user.id], billing: true)
                == succeeded)
        #expect(
            try await jobs.count(
                "SELECT count(*) FROM holds WHERE account_id = $1 AND state = 'released'", [user.id], billing: true)
                == 200 - succeeded)
        print("provider outage: \(succeeded) of 200 succeeded after the outage, \(200 - succeeded) failed with 503")
    }
}
