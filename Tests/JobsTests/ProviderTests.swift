import Foundation
import ImageSwissProtos
import RPC
import TestSupport
import Testing

/// AI operations through the provider adapters, against local servers speaking the OpenAI Images and
/// Replicate predictions endpoints — successes, 429 with Retry-After, 5xx, malformed answers,
/// timeouts — with the credits following each outcome.
@Suite(.serialized) struct ProviderTests {
    @Test func adaptersAndTheirFailures() async throws {
        let fake = try await FakeProviders()
        defer { fake.stop() }
        let jobs = try await JobsStack.start([
            "JOBS_OPENAI_BASE_URL": fake.baseURL, "JOBS_OPENAI_API_KEY": FakeProviders.apiKey,
            "JOBS_REPLICATE_BASE_URL": fake.baseURL, "JOBS_REPLICATE_API_TOKEN": FakeProviders.token,
            "JOBS_REPLICATE_MODELS": "remove_background=cutout:v1", "JOBS_PROVIDER_POLL_MS": "100",
        ])
        defer { Task { await jobs.stop() } }
        let user = try await jobs.user("artist@imageswiss.test", credits: 97)  // 100 with the free tier's
        // With providers configured, the catalogue offers their operations, and only theirs (and
        // upscale, whose classic method runs here).
        let catalogue = try #require(
            try await jobs.http.call("GET", "/api/v1/operations").json["items"] as? [[String: Any]])
        let available = Set(catalogue.filter { $0["available"] as? Bool == true }.compactMap { $0["name"] as? String })
        #expect(
            available.contains("resize")
                && available.intersection(["generation", "remove_background", "colourization", "upscale"])
                    == ["generation", "remove_background", "upscale"],  // upscale: classic without a model
            "\(available)")
        func generate(_ prompt: String) async throws -> [String: Any] {
            let job = try await jobs.submit(user.id, steps: [("generation", ["prompt": prompt])])
            #expect(job.quotedCredits == 5)
            return try await jobs.finished(job.jobID, token: user.access)
        }

        // A generated picture (1024×768), stored as the user's result, capped by the free tier's 480p: short side 480.
        let made = try await generate("a lighthouse at dawn")
        #expect(made["status"] as? String == "succeeded", "\(made)")
        let output = try #require((made["output_file_ids"] as? [String])?.first)
        let file = try await jobs.http.call("GET", "/api/v1/files/\(output)", bearer: user.access)
        #expect(
            file.json["content_type"] as? String == "image/png" && file.json["width"] as? Int == 640
                && file.json["height"] as? Int == 480)

        // 429 with Retry-After: waited out, then the second attempt succeeds.
        let limited = try await generate("rate-limit-once")
        #expect(limited["status"] as? String == "succeeded" && limited["attempts"] as? Int == 2, "\(limited)")

        // A malformed answer and an answer that is no picture fail at once; an outage fails after every attempt.
        let malformed = try await generate("malformed")
        #expect(malformed["status"] as? String == "failed" && malformed["attempts"] as? Int == 1)
        #expect((malformed["error"] as? String)?.contains("not a JSON object") == true, "\(malformed)")
        let garbage = try await generate("not-an-image")
        #expect(garbage["status"] as? String == "failed", "\(garbage)")
        let down = try await generate("down")
        #expect(down["status"] as? String == "failed" && down["attempts"] as? Int == 3, "\(down)")
        #expect((down["error"] as? String)?.contains("503") == true)

        // An admin queues the malformed job again: a new hold, a second run, and again nothing charged.
        let admin = try await jobs.http.signedInUser(JobsStack.adminEmail)
        let malformedID = try #require(malformed["id"] as? String)
        try await waitUntil {
            try await jobs.count(
                "SELECT count(*) FROM jobs WHERE id = $1 AND credits = 'released'", [UUID(uuidString: malformedID)!])
                == 1
        }
        let retried = try await jobs.http.call("POST", "/api/v1/admin/jobs/\(malformedID)/retry", bearer: admin.access)
        // Answered once queued; a worker may have taken it already.
        #expect(retried.status == 200 && retried.json["status"] as? String != "expired", "\(retried.text)")
        #expect(
            try await jobs.http.call("POST", "/api/v1/admin/jobs/\(malformedID)/retry", bearer: user.access).status
                == 403)
        let again = try await jobs.finished(malformedID, token: user.access)
        #expect(again["status"] as? String == "failed")
        try await waitUntil {
            try await jobs.count(
                "SELECT count(*) FROM holds WHERE reference = $1 AND state = 'released'", [malformedID], billing: true)
                == 2
        }
        let listed = try await jobs.http.call("GET", "/api/v1/admin/jobs?status=failed", bearer: admin.access)
        #expect(
            (listed.json["items"] as? [[String: Any]])?.contains {
                $0["id"] as? String == malformedID && $0["owner_id"] as? String == user.id
            } == true)

        // Replicate: a prediction with the input picture, polled until it succeeds, its output fetched.
        let photo = try await jobs.upload(user.access)
        let cutout = try await jobs.submit(user.id, steps: [("remove_background", [:])], inputs: [photo])
        let cut = try await jobs.finished(cutout.jobID, token: user.access)
        #expect(cut["status"] as? String == "succeeded", "\(cut)")
        #expect(fake.received.contains("predict:cutout:v1:image"))

        // Charged for the three successes only: 5 + 5 + 2.
        try await waitUntil {
            try await jobs.count(
                "SELECT count(*) FROM jobs WHERE credits IN ('held', 'capture_pending', 'release_pending')") == 0
        }
        #expect(try await jobs.balance(user.id).total == 100 - 12)
        #expect(try await LedgerInvariants.hold(for: user.id, in: jobs.billingDatabase))

        // An operation no provider serves here is refused before any hold.
        let refused = await #expect(throws: RPCError.self) {
            try await jobs.submit(user.id, steps: [("colourization", [:])], inputs: [photo])
        }
        #expect(refused?.reason == "provider_not_configured")
    }

    /// Replicate predictions that end badly: failed (its error kept) and canceled fail the job at
    /// once; one that never finishes is cancelled at Replicate after JOBS_PROVIDER_TIMEOUT_MS and
    /// retried like any timeout. None is charged.
    @Test func predictionsThatFailAreCanceledOrNeverFinish() async throws {
        let fake = try await FakeProviders()
        defer { fake.stop() }
        let jobs = try await JobsStack.start([
            "JOBS_REPLICATE_BASE_URL": fake.baseURL, "JOBS_REPLICATE_API_TOKEN": FakeProviders.token,
            "JOBS_REPLICATE_MODELS": "remove_background=failing:v1,colourization=canceled:v1,upscale=slow:v1",
            "JOBS_PROVIDER_POLL_MS": "50", "JOBS_PROVIDER_TIMEOUT_MS": "400",
        ])
        defer { Task { await jobs.stop() } }
        let user = try await jobs.user("unlucky@imageswiss.test", credits: 30)
        let total = try await jobs.balance(user.id).total
        let photo = try await jobs.upload(user.access)
        func run(_ operation: String) async throws -> [String: Any] {
            let job = try await jobs.submit(user.id, steps: [(operation, [:])], inputs: [photo])
            return try await jobs.finished(job.jobID, token: user.access)
        }
        let failed = try await run("remove_background")
        #expect(failed["status"] as? String == "failed" && failed["attempts"] as? Int == 1, "\(failed)")
        #expect((failed["error"] as? String)?.contains("CUDA out of memory") == true, "\(failed)")
        let canceled = try await run("colourization")
        #expect(canceled["status"] as? String == "failed" && canceled["attempts"] as? Int == 1, "\(canceled)")
        #expect((canceled["error"] as? String)?.contains("canceled") == true, "\(canceled)")
        let slow = try await run("upscale")
        #expect(slow["status"] as? String == "failed" && slow["attempts"] as? Int == 3, "\(slow)")
        #expect((slow["error"] as? String)?.contains("no result within") == true, "\(slow)")
        #expect(fake.received.filter { $0 == "cancel:slow:v1" }.count == 3, "each timed-out prediction is cancelled")
        try await waitUntil { try await jobs.balance(user.id).held == 0 }
        #expect(try await jobs.balance(user.id).total == total)
    }

    /// RunPod serverless endpoints: the picture goes as base64, each output shape the contract allows
    /// comes back as a stored result; a failed, timed-out, never-finishing (cancelled at RunPod) or
    /// missing endpoint fails the job, and an output that is no picture too. Only successes are charged.
    @Test func runPodEndpointsAndTheirFailures() async throws {
        let fake = try await FakeProviders()
        defer { fake.stop() }
        let good = try await JobsStack.start([
            "JOBS_RUNPOD_BASE_URL": fake.baseURL, "JOBS_RUNPOD_API_KEY": FakeProviders.runPodKey,
            "JOBS_RUNPOD_ENDPOINTS":
                "colourization=colour,upscale=url,remove_background=images,generation=not-an-image",
            "JOBS_PROVIDER_POLL_MS": "50",
        ])
        let user = try await good.user("runpod@imageswiss.test", credits: 60)
        let photo = try await good.upload(user.access)
        let total = try await good.balance(user.id).total
        var charged: Int64 = 0
        for operation in ["colourization", "upscale", "remove_background"] {
            let job = try await good.submit(user.id, steps: [(operation, [:])], inputs: [photo])
            let done = try await good.finished(job.jobID, token: user.access)
            #expect(done["status"] as? String == "succeeded", "\(operation): \(done)")
            #expect((done["output_file_ids"] as? [String])?.count == 1)
            charged += job.quotedCredits
        }
        #expect(fake.received.contains("runpod:colour:image"), "the picture went as base64: \(fake.received)")
        let garbage = try await good.submit(user.id, steps: [("generation", ["prompt": "a lighthouse"])])
        let refused = try await good.finished(garbage.jobID, token: user.access)
        #expect(refused["status"] as? String == "failed", "\(refused)")
        try await waitUntil { try await good.balance(user.id).held == 0 }
        #expect(try await good.balance(user.id).total == total - charged)

        // /runsync for a model that asks for it: the picture in the one answer, no /run, no polling.
        let admin = try await good.http.signedInUser(JobsStack.adminEmail)
        for (path, body) in [
            (
                "providers/runpod-sync",
                ["kind": "runpod", "base_url": fake.baseURL, "credential": FakeProviders.runPodKey]
            ),
            (
                "models/colour-sync",
                [
                    "operation": "colourization", "provider_id": "runpod-sync", "reference": "colour",
                    "label": "Colour (sync)", "parameters": ["runsync": "true"],
                ] as [String: Any]
            ),
        ] as [(String, [String: Any])] {
            let reply = try await good.http.call("PUT", "/api/v1/admin/ai/" + path, json: body, bearer: admin.access)
            #expect(reply.status == 200, "\(reply.text)")
        }
        let runsBefore = fake.received.filter { $0.hasPrefix("runpod:colour") }.count
        let sync = try await good.submit(user.id, steps: [("colourization", ["model": "colour-sync"])], inputs: [photo])
        let syncDone = try await good.finished(sync.jobID, token: user.access)
        #expect(syncDone["status"] as? String == "succeeded", "\(syncDone)")
        #expect(
            fake.received.contains { $0.hasPrefix("runpod-sync:colour:") && $0.hasSuffix(":clean") }, "\(fake.received)"
        )
        #expect(fake.received.filter { $0.hasPrefix("runpod:colour") }.count == runsBefore, "no /run for it")
        await good.stop()

        let bad = try await JobsStack.start([
            "JOBS_RUNPOD_BASE_URL": fake.baseURL, "JOBS_RUNPOD_API_KEY": FakeProviders.runPodKey,
            "JOBS_RUNPOD_ENDPOINTS":
                "colourization=failing,upscale=slow,remove_background=timed-out,generation=missing",
            "JOBS_PROVIDER_POLL_MS": "50", "JOBS_PROVIDER_TIMEOUT_MS": "400",
        ])
        defer { Task { await bad.stop() } }
        let unlucky = try await bad.user("unlucky-runpod@imageswiss.test", credits: 60)
        let input = try await bad.upload(unlucky.access)
        let before = try await bad.balance(unlucky.id).total
        func run(_ operation: String, _ parameters: [String: String] = [:], inputs: [String]) async throws
            -> [String: Any]
        {
            let job = try await bad.submit(unlucky.id, steps: [(operation, parameters)], inputs: inputs)
            return try await bad.finished(job.jobID, token: unlucky.access)
        }
        let failed = try await run("colourization", inputs: [input])
        #expect(
            failed["attempts"] as? Int == 1 && (failed["error"] as? String)?.contains("CUDA error") == true, "\(failed)"
        )
        let timedOut = try await run("remove_background", inputs: [input])
        #expect((timedOut["error"] as? String)?.contains("execution timeout") == true, "\(timedOut)")
        let slow = try await run("upscale", inputs: [input])
        #expect(slow["attempts"] as? Int == 3 && (slow["error"] as? String)?.contains("no result within") == true)
        #expect(fake.received.filter { $0 == "runpod-cancel:slow" }.count == 3, "each timed-out job is cancelled")
        let missing = try await run("generation", ["prompt": "x"], inputs: [])
        #expect(
            missing["attempts"] as? Int == 1 && (missing["error"] as? String)?.contains("404") == true, "\(missing)")
        try await waitUntil { try await bad.balance(unlucky.id).held == 0 }
        #expect(try await bad.balance(unlucky.id).total == before, "nothing charged")
    }
}
