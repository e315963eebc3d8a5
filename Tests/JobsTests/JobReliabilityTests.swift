import Foundation
import ImageSwissProtos
import RPC
import TestSupport
import Testing

/// Jobs under failure: a worker killed mid-job, a worker stopped by SIGTERM, cancellations racing
/// completions, PostgreSQL restarting under load, 10,000 jobs draining, and fair scheduling.
@Suite(.serialized) struct JobReliabilityTests {
    /// The worker holding `job`'s lease ("w1#0" → "w1"), once the job runs.
    static func leaseHolder(_ jobs: JobsStack, _ job: String) async throws -> String {
        var holder = ""
        try await waitUntil {
            holder =
                try await jobs.database.query(
                    "SELECT coalesce(worker, '') AS w FROM job_queue WHERE job_id = $1",
                    [UUID(uuidString: job)!]
                ).first?.decode("w") ?? ""
            return !holder.isEmpty
        }
        return String(holder.split(separator: "#")[0])
    }

    /// Billing's record of one job's hold: its state and the credits spent for it.
    static func hold(_ jobs: JobsStack, _ job: String) async throws -> (count: Int, state: String, spent: Int64) {
        let rows = try await jobs.billingDatabase.query("SELECT state, captured FROM holds WHERE reference = $1", [job])
        return (rows.count, try rows.first?.decode("state") ?? "", try rows.first?.decode("captured") ?? 0)
    }

    @Test func killedAndStoppedWorkers() async throws {
        // The API process runs no workers; w1 and w2 do, one loop each.
        let jobs = try await JobsStack.start(["JOBS_WORKERS": "0"])
        defer { Task { await jobs.stop() } }
        let worker = ["JOBS_WORKERS": "1", "JOBS_SHUTDOWN_GRACE_MS": "300"]
        try await jobs.stack.spawn("w1", as: "jobs", environment: worker.merging(["JOBS_WORKER_NAME": "w1"]) { $1 })
        try await jobs.stack.spawn("w2", as: "jobs", environment: worker.merging(["JOBS_WORKER_NAME": "w2"]) { $1 })
        let user = try await jobs.user("survivor@imageswiss.test", credits: 7)  // 10 with the free tier's
        let photo = try await jobs.upload(user.access)
        let slowResize: [(String, [String: String])] = [
            ("noop", ["duration_ms": "3000"]), ("resize", ["width": "200"]),
        ]

        // kill -9 the worker mid-job: the other takes the job over once the lease (2 s) expires.
        let first = try await jobs.submit(user.id, steps: slowResize, inputs: [photo])
        #expect(first.quotedCredits == 1 && first.tool == "resize")
        let holder = try await Self.leaseHolder(jobs, first.jobID)
        // Running: the job's own row still says queued (a claim writes only the queue row); readers
        // see the run — status, attempt, start, in a status filter, and the worker for an admin.
        let running = try await jobs.http.call("GET", "/api/v1/jobs/\(first.jobID)", bearer: user.access).json
        #expect(
            running["status"] as? String == "running" && running["attempts"] as? Int == 1
                && running["started_at"] is String
                && running["worker"] == nil, "\(running)")
        let listed = try await jobs.http.call("GET", "/api/v1/jobs?status=running", bearer: user.access).json
        #expect((listed["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [first.jobID], "\(listed)")
        let queued = try await jobs.http.call("GET", "/api/v1/jobs?status=queued", bearer: user.access).json
        #expect((queued["items"] as? [[String: Any]])?.isEmpty == true, "\(queued)")
        let byAdmin = try await jobs.jobs.unary(
            JobsMethods.getJob, .with { $0.jobID = first.jobID }, options: JobsStack.as("ops", role: "admin"))
        #expect(
            byAdmin.status == "running" && byAdmin.worker.hasPrefix(holder + "#")
                && byAdmin.progressMessage == "running", "\(byAdmin)")
        try await jobs.stack.crash(holder)
        let done = try await jobs.finished(first.jobID, token: user.access, timeout: .seconds(30))
        #expect(done["status"] as? String == "succeeded" && done["attempts"] as? Int == 2, "\(done)")
        #expect((done["output_file_ids"] as? [String])?.count == 1)
        try await waitUntil { try await Self.hold(jobs, first.jobID).state == "captured" }
        #expect(try await Self.hold(jobs, first.jobID) == (1, "captured", 1))
        #expect(
            try await jobs.count(
                "SELECT count(*) FROM ledger_entries WHERE reference = $1", [first.jobID], billing: true) == 1)

        // SIGTERM: the worker hands its run back at once (the attempt not counted); another finishes it.
        try await jobs.stack.spawn("w3", as: "jobs", environment: worker.merging(["JOBS_WORKER_NAME": "w3"]) { $1 })
        let second = try await jobs.submit(user.id, steps: slowResize, inputs: [photo])
        let stopping = try await Self.leaseHolder(jobs, second.jobID)
        jobs.stack.process(stopping).signal(SIGTERM)
        #expect(try await jobs.stack.process(stopping).wait() == 0)
        let handedBack = try await jobs.finished(second.jobID, token: user.access, timeout: .seconds(30))
        #expect(handedBack["status"] as? String == "succeeded" && handedBack["attempts"] as? Int == 1, "\(handedBack)")
        try await waitUntil { try await jobs.balance(user.id).total == 8 }
        #expect(try await jobs.balance(user.id).held == 0)
        #expect(try await LedgerInvariants.hold(for: user.id, in: jobs.billingDatabase))
    }

    @Test func cancellationsRaceCompletions() async throws {
        let jobs = try await JobsStack.start()
        defer { Task { await jobs.stop() } }
        try await jobs.reprice(["noop": 1])
        let user = try await jobs.user("racer@imageswiss.test", credits: 97)
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<40 {
                group.addTask {
                    let job = try await jobs.submit(user.id, steps: [("noop", ["duration_ms": "\(index * 7 % 200)"])])
                    try await Task.sleep(for: .milliseconds(index * 13 % 250))
                    var cancel = JobsGetJobRequest()
                    cancel.jobID = job.jobID
                    _ = try await jobs.jobs.unary(JobsMethods.cancelJob, cancel, options: JobsStack.as(user.id))
                    return job.jobID
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        var succeeded = 0
        for id in ids {
            let job = try await jobs.finished(id, token: user.access)
            let status = job["status"] as? String
            #expect(status == "succeeded" || status == "canceled")
            try await waitUntil { ["captured", "released"].contains(try await Self.hold(jobs, id).state) }
            let hold = try await Self.hold(jobs, id)
            // Whichever won, the credits followed it: captured for a success, released for a cancel.
            if status == "succeeded" {
                succeeded += 1
                #expect(hold == (1, "captured", 1))
            } else {
                #expect(hold == (1, "released", 0))
            }
        }
        #expect(try await jobs.balance(user.id).total == Int64(100 - succeeded))
        #expect(try await LedgerInvariants.hold(for: user.id, in: jobs.billingDatabase))
        // A final job stays as it is.
        var cancel = JobsGetJobRequest()
        cancel.jobID = ids[0]
        let again = try await jobs.jobs.unary(JobsMethods.cancelJob, cancel, options: JobsStack.as(user.id))
        #expect(again.status == (try await jobs.finished(ids[0], token: user.access))["status"] as? String)
    }

    @Test func postgresRestartsUnderLoad() async throws {
        let postgres = try await TestPostgres.startPrivate()
        defer { postgres.stop() }
        let jobs = try await JobsStack.start([:], postgres: postgres)
        defer { Task { await jobs.stop() } }
        try await jobs.reprice(["noop": 1])
        let user = try await jobs.user("steady@imageswiss.test", credits: 297)
        var ids: [String] = []
        for _ in 0..<200 { ids.append(try await jobs.submit(user.id, steps: [("noop", ["duration_ms": "30"])]).jobID) }
        // The restart comes once jobs are finishing, while most are still queued or running.
        try await waitUntil { try await jobs.count("SELECT count(*) FROM jobs WHERE status = 'succeeded'") >= 5 }
        let finishedBefore = try await jobs.count("SELECT count(*) FROM jobs WHERE status = 'succeeded'")
        try await postgres.restart()
        #expect(finishedBefore < 200, "the restart came while jobs were in flight")
        try await waitUntil(timeout: .seconds(120)) {
            (try? await jobs.count("SELECT count(*) FROM jobs WHERE status = 'succeeded' AND credits = 'captured'"))
                == 200
        }
        // Nothing lost, nothing completed twice: one captured hold per job, one entry each.
        #expect(
            try await jobs.count("SELECT count(*) FROM holds WHERE state = 'captured' AND captured = 1", billing: true)
                == 200)
        #expect(
            try await jobs.count("SELECT count(DISTINCT reference) FROM ledger_entries WHERE amount < 0", billing: true)
                == 200)
        #expect(try await jobs.balance(user.id).total == 100)
        #expect(try await LedgerInvariants.hold(for: user.id, in: jobs.billingDatabase))
    }

    @Test func tenThousandJobsDrain() async throws {
        let jobs = try await JobsStack.start([
            "JOBS_WORKER_SLOTS": "16", "JOBS_MAX_RUNNING_PER_USER": "64", "JOBS_QUEUE_VACUUM_DEAD_ROWS": "2000",
        ])
        defer { Task { await jobs.stop() } }
        try await jobs.reprice(["noop": 1])
        let user = try await jobs.user("bulk@imageswiss.test", credits: 10_000)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<8 {
                group.addTask {
                    for index in stride(from: client, to: 10_000, by: 8) {
                        _ = try await jobs.submit(user.id, steps: [("noop", [:])], key: "bulk-\(index)")
                    }
                }
            }
            try await group.waitForAll()
        }
        try await waitUntil(timeout: .seconds(300)) {
            try await jobs.count(
                "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running') OR credits IN ('held', 'capture_pending', 'release_pending')"
            ) == 0
        }
        #expect(
            try await jobs.count("SELECT count(*) FROM jobs WHERE status = 'succeeded' AND credits = 'captured'")
                == 10_000)
        #expect(try await jobs.count("SELECT count(*) FROM holds WHERE state = 'captured'", billing: true) == 10_000)
        #expect(try await jobs.balance(user.id).total == 3)
        #expect(try await LedgerInvariants.hold(for: user.id, in: jobs.billingDatabase))
        // 20,000 dead row versions in the queue table: the sweeper vacuumed it (not autovacuum's count).
        try await waitUntil(timeout: .seconds(10)) {
            try await jobs.count("SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'job_queue'") > 0
        }
        #expect(try await jobs.count("SELECT count(*) FROM job_queue") == 0)
    }

    /// Batches of several users finishing at once on both worker loops: each batch counted down to
    /// zero exactly once, one `batch.completed` and one `job.succeeded` delivery each, and no deadlock
    /// (a per-row trigger once locked batch rows in the order jobs finished, and two loops deadlocked).
    /// Input ids in upper case name the same files.
    @Test func batchesFinishingTogether() async throws {
        let jobs = try await JobsStack.start(["JOBS_WORKER_SLOTS": "16", "JOBS_MAX_RUNNING_PER_USER": "64"])
        let receiver = try await WebhookReceiver()
        // The receiver stops after the stack: Jobs is still delivering 2,200 events when the test
        // ends, and a connection reaching a stopped receiver crashed the test process.
        defer {
            Task {
                await jobs.stop()
                receiver.stop()
            }
        }
        try await jobs.reprice(["noop": 1])
        var owners: [(id: String, photos: [String])] = []
        for index in 0..<8 {
            let user = try await jobs.user("batcher\(index)@imageswiss.test", credits: 1_000)
            let hook = try await jobs.http.call(
                "POST", "/api/v1/webhooks",
                json: ["url": receiver.url, "events": ["job.succeeded", "batch.completed"]],
                bearer: user.access)
            #expect(hook.status == 201)
            var photos: [String] = []
            for photo in 0..<10 {
                photos.append(try await jobs.upload(user.access, width: 64 + photo, height: 48, name: "p\(photo).jpg"))
            }
            owners.append((user.id, photos))
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (owner, photos) in owners {
                for batch in 0..<25 {
                    group.addTask {
                        var request = JobsSubmitBatchRequest()
                        var step = JobsStep()
                        step.operation = "noop"
                        request.steps = [step]
                        request.inputBlobIds = batch == 0 ? photos.map { $0.uppercased() } : photos
                        request.idempotencyKey = "batch-\(batch)"
                        let submitted = try await jobs.jobs.unary(
                            JobsMethods.submitBatch, request, options: JobsStack.as(owner))
                        #expect(submitted.jobCount == 10)
                    }
                }
            }
            try await group.waitForAll()
        }
        try await waitUntil(timeout: .seconds(120)) {
            let open = try await jobs.count(
                "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running') OR credits IN ('held', 'capture_pending', 'release_pending')"
            )
            // applied every 100 ms (BatchCounting)
            let uncounted = try await jobs.count("SELECT count(*) FROM batch_progress")
            return open == 0 && uncounted == 0
        }
        #expect(
            try await jobs.count("SELECT count(*) FROM jobs WHERE status = 'succeeded' AND credits = 'captured'")
                == 2_000)
        #expect(try await jobs.count("SELECT count(*) FROM batches WHERE remaining = 0") == 200)
        // Every job's batch exists (Jobs migration 8 dropped the foreign key that checked it per row).
        #expect(
            try await jobs.count(
                "SELECT count(*) FROM jobs j WHERE batch_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.id = j.batch_id)"
            ) == 0)
        #expect(try await jobs.count("SELECT count(*) FROM jobs WHERE batch_id IS NOT NULL") == 2_000)
        #expect(
            try await jobs.count(
                "SELECT count(DISTINCT payload::jsonb -> 'data' ->> 'batch_id') FROM deliveries WHERE event = 'batch.completed'"
            ) == 200)
        #expect(try await jobs.count("SELECT count(*) FROM deliveries WHERE event = 'batch.completed'") == 200)
        #expect(
            try await jobs.count(
                "SELECT count(DISTINCT payload::jsonb -> 'data' ->> 'job_id') FROM deliveries WHERE event = 'job.succeeded'"
            ) == 2_000)
        #expect(try await jobs.count("SELECT count(*) FROM deliveries WHERE event = 'job.succeeded'") == 2_000)
        for (owner, _) in owners {
            #expect(try await jobs.balance(owner).total == 1_003 - 250)
            #expect(try await LedgerInvariants.hold(for: owner, in: jobs.billingDatabase))
        }
        // PostgreSQL publishes its counters within a second of a transaction's end.
        try await Task.sleep(for: .seconds(2))
        #expect(try await jobs.count("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()") == 0)
    }

    @Test func aSaturatedImageOpsDoesNotFailJobs() async throws {
        // One ImageOps worker and no queue: most calls of a burst are refused (RESOURCE_EXHAUSTED),
        // and every job still succeeds with a single allowed attempt.
        let jobs = try await JobsStack.start(["IMAGEOPS_WORKERS": "1", "IMAGEOPS_QUEUE": "0", "JOBS_MAX_ATTEMPTS": "1"])
        defer { Task { await jobs.stop() } }
        let user = try await jobs.user("burst@imageswiss.test", credits: 20)
        try await Self.resizeBurst(of: 8, by: user, on: jobs)
    }

    @Test func imageCallsWaitInJobsInsteadOfBeingRefused() async throws {
        // ImageOps takes one call at a time and queues none; with JOBS_IMAGE_CALLS=1 the runs wait
        // for their turn in Jobs (inputs unread) and ImageOps refuses nothing. Without the limit
        // (16), the same burst is mostly refused (aSaturatedImageOpsDoesNotFailJobs).
        let metricsPort = try freePort()
        let jobs = try await JobsStack.start([
            "IMAGEOPS_WORKERS": "1", "IMAGEOPS_QUEUE": "0", "JOBS_IMAGE_CALLS": "1",
            "IMAGEOPS_METRICS_PORT": "\(metricsPort)",
        ])
        defer { Task { await jobs.stop() } }
        let user = try await jobs.user("waits@imageswiss.test", credits: 20)
        try await Self.resizeBurst(of: 6, by: user, on: jobs)
        let metrics = try await HTTPTestClient(baseURL: "http://127.0.0.1:\(metricsPort)").call("GET", "/metrics").text
        let process = "method=\"/imageswiss.imageops.v1.ImageOps/Process\""
        #expect(metrics.contains("rpc_server_calls_total{\(process),code=\"OK\"}"), "\(metrics)")
        #expect(!metrics.contains("rpc_server_calls_total{\(process),code=\"RESOURCE_EXHAUSTED\"}"), "\(metrics)")
    }

    /// A batch of `count` large pictures to resize and sharpen, submitted at once; expects it to succeed.
    static func resizeBurst(of count: Int, by user: (id: String, access: String), on jobs: JobsStack) async throws {
        var inputs: [String] = []
        for index in 0..<count { inputs.append(try await jobs.upload(user.access, width: 1600 + index, height: 1200)) }
        let batch = try await jobs.http.call(
            "POST", "/api/v1/batches",
            json: [
                "input_file_ids": inputs,
                "steps": [["operation": "resize", "parameters": ["width": "800"]], ["operation": "sharpen"]],
            ], bearer: user.access)
        #expect(batch.status == 201, "\(batch.text)")
        let id = try #require(batch.json["id"] as? String)
        var state: [String: Any] = [:]
        try await waitUntil(timeout: .seconds(90)) {
            state = try await jobs.http.call("GET", "/api/v1/batches/\(id)", bearer: user.access).json
            return !["queued", "running"].contains(state["status"] as? String ?? "")
        }
        #expect(state["status"] as? String == "succeeded", "\(state)")
    }

    /// A paid user at their running limit with a backlog longer than the claim window: the free
    /// user's job behind it is found by the once-a-second claim that reads past the window, and runs
    /// on the free slot instead of waiting until the backlog is shorter than the window.
    @Test func jobsBehindTheClaimWindowStillStart() async throws {
        let jobs = try await JobsStack.start([
            "JOBS_WORKERS": "1", "JOBS_WORKER_SLOTS": "2", "JOBS_MAX_RUNNING_PER_USER": "1",
            "JOBS_CLAIM_WINDOW": "4",
        ])
        defer { Task { await jobs.stop() } }
        let paying = try await jobs.user("backlog@imageswiss.test", credits: 0)
        let free = try await jobs.user("behind@imageswiss.test", credits: 0)
        try await jobs.billingDatabase.execute(
            "UPDATE subscriptions SET tier = 'plus' WHERE account_id = $1", [paying.id])
        var paid: [String] = []
        for _ in 0..<30 {
            paid.append(try await jobs.submit(paying.id, steps: [("noop", ["duration_ms": "100"])]).jobID)
        }
        let behind = try await jobs.submit(free.id, steps: [("noop", ["duration_ms": "100"])]).jobID
        let order = try await jobs.startOrderOnceAllSucceeded()
        let behindAt = try #require(order.firstIndex(of: behind))
        // Read only 4 entries at a time it would start once fewer than 4 paid jobs waited (after ~26).
        let paidBefore = paid.filter { order.firstIndex(of: $0)! < behindAt }.count
        #expect(paidBefore <= 20, "\(paidBefore) of the paid user's 30 jobs started before the free user's")
    }

    /// Fast lane first, then paid tiers, then fair shares within each.
    @Test func paidFirstThenFairShares() async throws {
        // Everything is queued before the one worker (one slot) starts: the start order is the scheduling order.
        let jobs = try await JobsStack.start(["JOBS_WORKERS": "0"])
        defer { Task { await jobs.stop() } }
        let heavy = try await jobs.user("heavy@imageswiss.test", credits: 0)
        let light = try await jobs.user("light@imageswiss.test", credits: 0)
        let paying = try await jobs.user("paying@imageswiss.test", credits: 0)
        try await jobs.billingDatabase.execute(
            "UPDATE subscriptions SET tier = 'plus' WHERE account_id = $1", [paying.id])
        var heavyJobs: [String] = []
        for _ in 0..<20 {
            heavyJobs.append(try await jobs.submit(heavy.id, steps: [("noop", ["duration_ms": "100"])]).jobID)
        }
        let lightJob = try await jobs.submit(light.id, steps: [("noop", ["duration_ms": "100"])]).jobID
        let paidJob = try await jobs.submit(paying.id, steps: [("noop", ["duration_ms": "100"])]).jobID
        // The heavy user's twenty-first job, in the fast lane: it goes before everything in the batch lane.
        let fastJob = try await jobs.submit(heavy.id, steps: [("noop", ["duration_ms": "100"])], lane: "fast").jobID
        try await jobs.stack.spawn("worker", as: "jobs", environment: ["JOBS_WORKERS": "1", "JOBS_WORKER_SLOTS": "1"])
        let order = try await jobs.startOrderOnceAllSucceeded()
        #expect(Array(order.prefix(2)) == [fastJob, paidJob], "fast lane, then the paid tier")
        let paidAt = try #require(order.firstIndex(of: paidJob))
        let lightAt = try #require(order.firstIndex(of: lightJob))
        #expect(paidAt < lightAt, "the paid tier goes first")
        // The light user's one job did not wait behind the heavy user's twenty.
        let heavyAfter = heavyJobs.filter { order.firstIndex(of: $0)! > lightAt }.count
        #expect(heavyAfter >= 10, "\(heavyAfter) of the heavy user's jobs ran after the light user's")
    }
}
