import Foundation
import ImageSwissProtos
import Logging
import Postgres
import RPC
import ServiceRuntime

/// Jobs' calls: submissions, reads, cancellations and the admin's queue tools.
struct JobsService: Sendable {
    let database: PostgresPool
    let queue: JobQueue
    let submissions: Submissions
    let settlement: Settlement
    let configuration: JobsConfiguration
    let logger: Logger

    static let maxPageSize = 200
    /// The longest text a job listing searches titles for.
    static let maxSearchLength = 100

    // MARK: jobs

    func submitJob(_ caller: RPCCaller, _ request: JobsSubmitJobRequest) async throws -> JobsJob {
        let key = try IdempotentCalls.check(request.idempotencyKey, domain: "jobs")
        var normalized = request
        normalized.ownerID = ""
        let requestBytes = try IdempotentCalls.requestBytes(normalized)
        if let existing = try await self.existingJob(owner: caller.id, key: key, request: requestBytes) {
            return existing
        }
        let plan = try await self.submissions.plan(
            caller, inputs: request.inputBlobIds, steps: request.steps, lane: request.lane, single: true, key: key,
            payer: try Payer(submitJob: request, caller: caller))
        let holds = try await self.submissions.hold(plan)
        let inserted: [PostgresRow]
        do {
            inserted = try await self.submissions.insert(
                plan, holds: holds, owner: caller.id, batch: nil, job: (key, requestBytes),
                deleteOriginals: request.deleteOriginals, deadlineSeconds: request.deadlineSeconds)
        } catch let error as PostgresError where error.isUniqueViolation {
            // The same submission at the same moment: the other one won, with the same holds.
            if let existing = try await self.existingJob(owner: caller.id, key: key, request: requestBytes) {
                return existing
            }
            throw error
        } catch {
            await self.submissions.release(holds, payer: plan.payer.account)
            throw error
        }
        return try JobRecord.job(inserted[0])
    }

    private func existingJob(owner: String, key: String, request: [UInt8]) async throws -> JobsJob? {
        guard
            let row = try await self.database.query(
                "SELECT \(JobRecord.columns), j.request FROM \(JobRecord.source) WHERE j.owner_id = $1 AND j.idempotency_key = $2",
                [owner, key]
            ).first
        else { return nil }
        guard try row.decodeIfPresent("request", as: [UInt8].self) == request else {
            throw failure.error(
                .failedPrecondition, "idempotency_key_reused", "this idempotency key was used for a different request",
                field: "idempotency_key")
        }
        RPCTrailers.markReplayed()
        return try JobRecord.job(row)
    }

    func job(_ id: UUID, owner: String?) async throws -> JobsJob {
        guard
            let row = try await self.database.query(
                "SELECT \(JobRecord.columns) FROM \(JobRecord.source) WHERE j.id = $1 AND ($2::text IS NULL OR j.owner_id = $2)",
                [id, owner]
            ).first
        else { throw failure.notFound("job") }
        return try JobRecord.job(row, showWorker: owner == nil)
    }

    /// Stars or unstars one of the caller's own jobs (admins too: a favourite is the owner's own).
    /// Idempotent: starring a starred job or unstarring an unstarred one changes nothing.
    func setFavourite(_ caller: RPCCaller, _ request: JobsSetFavouriteRequest) async throws -> JobsJob {
        let jobID = try failure.parseID(request.jobID, "job")
        var job = try await self.job(jobID, owner: caller.id)
        if request.favourite {
            try await self.database.execute(
                "INSERT INTO favourites (job_id, owner_id) VALUES ($1, $2) ON CONFLICT (job_id) DO NOTHING",
                [jobID, caller.id])
        } else {
            try await self.database.execute("DELETE FROM favourites WHERE job_id = $1", [jobID])
        }
        job.favourite = request.favourite
        return job
    }

    func getJob(_ caller: RPCCaller, _ id: String) async throws -> JobsJob {
        try await self.job(try failure.parseID(id, "job"), owner: Self.scope(caller))
    }

    func cancelJob(_ caller: RPCCaller, _ id: String) async throws -> JobsJob {
        let jobID = try failure.parseID(id, "job")
        let owner = Self.scope(caller)
        let unsettled = try await self.queue.cancel(jobID, owner: owner)
        await self.settlement.settle(unsettled)
        return try await self.job(jobID, owner: owner)
    }

    /// Admin: a failed, canceled or expired job runs again, with a fresh hold for its quote.
    func retryJob(_ caller: RPCCaller, _ id: String) async throws -> JobsJob {
        guard caller.role == "admin" else { throw failure.adminOnly }
        let jobID = try failure.parseID(id, "job")
        let job = try await self.job(jobID, owner: nil)
        guard ["failed", "canceled", "expired"].contains(job.status) else {
            throw failure.error(
                .failedPrecondition, "job_not_retryable",
                "only failed, canceled or expired jobs are retried (this one is \(job.status))")
        }
        guard job.credits != "capture_pending" && job.credits != "release_pending" else {
            throw failure.error(
                .unavailable, "settling", "this job's credits are still being settled; try again shortly")
        }
        let payer = job.payerID.isEmpty ? job.ownerID : job.payerID
        var holdID: String?
        if job.quotedCredits > 0 {
            var request = BillingHoldRequest()
            request.amount = job.quotedCredits
            request.reference = job.jobID
            request.operation = job.tool
            request.idempotencyKey = "job:\(job.jobID):retry:\(job.attempts)"
            // A team's job is held on the team again, counted to its member (an admin's retry is
            // not refused by the member's limit).
            if !job.payerID.isEmpty { request.spenderID = job.ownerID }
            holdID = try await self.submissions.billing.unary(
                BillingMethods.placeHold, request, options: Settlement.options(for: payer)
            ).holdID
        }
        // The UPDATE's row lock decides between two retries of the same job; the winner's queue row
        // goes in with it.
        let changed = try await self.database.execute(
            """
            WITH retried AS (
                UPDATE jobs SET status = 'queued', attempts = 0, run_after = now(), finished_at = NULL, progress_percent = 0,
                    progress_message = 'queued again by an administrator', charged_credits = 0, output_blob_ids = '{}', thumbnail_blob_ids = '{}',
                    hold_id = $2, credits = CASE WHEN $2::text IS NULL THEN 'none' ELSE 'held' END,
                    deadline = now() + $3 * interval '1 second', updated_at = now()
                WHERE id = $1 AND status IN ('failed', 'canceled', 'expired') AND credits IN ('none', 'captured', 'released')
                RETURNING id, owner_id, priority, fair_seq, run_after, deadline
            )
            INSERT INTO job_queue (job_id, owner_id, priority, fair_seq, run_after, deadline)
            SELECT id, owner_id, priority, fair_seq, run_after, deadline FROM retried
            """, [jobID, holdID, self.configuration.defaultDeadline.components.seconds])
        if changed == 0, let holdID {
            await self.submissions.release([jobID: holdID], payer: payer)
            throw failure.error(.aborted, "job_changed", "the job changed meanwhile; look again")
        }
        self.queue.notifications.changed([jobID])
        self.queue.notifications.queued()
        return try await self.job(jobID, owner: nil)
    }

    func listJobs(_ caller: RPCCaller, _ request: JobsListJobsRequest) async throws -> JobsListJobsResponse {
        let pageSize = request.page.pageSize == 0 ? 50 : Int(request.page.pageSize)
        guard pageSize <= Self.maxPageSize else {
            throw failure.invalid("page_size", "at most \(Self.maxPageSize)")
        }
        var conditions: [String] = []
        var parameters = PostgresParameters()
        // An admin names the owner to list, or "*" for everyone; without one, anybody lists their own.
        if caller.role == "admin" && !request.ownerID.isEmpty {
            if request.ownerID != "*" {
                conditions.append("j.owner_id = \(parameters.bind(request.ownerID.lowercased()))")
            }
        } else {
            conditions.append("j.owner_id = \(parameters.bind(caller.id))")
        }
        if !request.status.isEmpty { conditions.append("\(JobRecord.status) = \(parameters.bind(request.status))") }
        if !request.lane.isEmpty { conditions.append("j.lane = \(parameters.bind(request.lane))") }
        if !request.tool.isEmpty { conditions.append("j.tool = \(parameters.bind(request.tool))") }
        if request.favouritesOnly { conditions.append(JobRecord.favourite) }
        if !request.titleContains.isEmpty {
            guard request.titleContains.count <= Self.maxSearchLength else {
                throw failure.invalid("search", "at most \(Self.maxSearchLength) characters")
            }
            conditions.append("j.title ILIKE \(parameters.bind(LikePattern.containing(request.titleContains)))")
        }
        if !request.batchID.isEmpty {
            // Another user's batch is not found, as on every route that takes an id, not an empty list.
            let batchID = try failure.parseID(request.batchID, "batch")
            let owner: String? = caller.role == "admin" && !request.ownerID.isEmpty ? nil : caller.id
            try await self.requireBatch(batchID, owner: owner)
            conditions.append("j.batch_id = \(parameters.bind(batchID))")
        }
        if !request.page.pageToken.isEmpty {
            guard let after = CreatedKeyset(token: request.page.pageToken) else {
                throw failure.invalid("page_token", "not a page token this service gave")
            }
            conditions.append(after.rowsAfter(created: "j.created_at", id: "j.id", &parameters))
        }
        let rows = try await self.database.query(
            """
            SELECT \(JobRecord.columns) FROM \(JobRecord.source) \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY j.created_at DESC, j.id DESC LIMIT \(pageSize + 1)
            """, parameters.values)
        var response = JobsListJobsResponse()
        response.jobs = try rows.prefix(pageSize).map { try JobRecord.job($0, showWorker: caller.role == "admin") }
        if rows.count > pageSize, let last = response.jobs.last, let id = UUID(text: last.jobID) {
            response.page.nextPageToken = CreatedKeyset(createdMicros: last.createdAt.unixMicros, id: id).token
        }
        return response
    }

    func queueDepth(_ caller: RPCCaller) async throws -> JobsQueueDepthResponse {
        guard caller.role == "admin" else { throw failure.adminOnly }
        return try await self.queueDepth()
    }

    /// Settles every finished job whose hold Billing has not yet resolved, now rather than at the
    /// sweeper's next turn (after Billing was down, say): each capture or release still happens
    /// once, keyed by its job (Settlement).
    func redriveSettlements(_ caller: RPCCaller) async throws -> JobsRedriveSettlementsResponse {
        guard caller.role == "admin" else { throw failure.adminOnly }
        let pending = try await self.queue.unsettled(olderThan: .zero)
        await self.settlement.settle(pending)
        var response = JobsRedriveSettlementsResponse()
        response.pendingBefore = UInt32(pending.count)
        response.stillPending = UInt32(try await self.queue.unsettled(olderThan: .zero).count)
        response.settled = response.pendingBefore - min(response.pendingBefore, response.stillPending)
        return response
    }

    /// Queued and running jobs and the oldest wait, per lane (the admin view and QueueMetrics).
    func queueDepth() async throws -> JobsQueueDepthResponse {
        // From the queue table (live jobs only), joined to the jobs' records for lane and age.
        let rows = try await self.database.query(
            """
            SELECT j.lane, count(*) FILTER (WHERE q.worker IS NULL) AS queued, count(*) FILTER (WHERE q.worker IS NOT NULL) AS running,
                   coalesce(extract(epoch FROM now() - min(j.created_at) FILTER (WHERE q.worker IS NULL)), 0)::double precision AS oldest
            FROM job_queue q JOIN jobs j ON j.id = q.job_id GROUP BY j.lane
            """)
        var response = JobsQueueDepthResponse()
        let byLane = Dictionary(uniqueKeysWithValues: try rows.map { (try $0.decode("lane", as: String.self), $0) })
        for lane in ["fast", "batch"] {
            var depth = JobsLaneDepth()
            depth.lane = lane
            if let row = byLane[lane] {
                depth.queued = UInt32(try row.decode("queued", as: Int.self))
                depth.running = UInt32(try row.decode("running", as: Int.self))
                depth.oldestWaitSeconds = try row.decode("oldest")
            }
            response.lanes.append(depth)
        }
        return response
    }

    // MARK: batches

    func quoteBatch(_ caller: RPCCaller, _ request: JobsSubmitBatchRequest) async throws -> JobsQuoteBatchResponse {
        let plan = try await self.submissions.plan(
            caller, inputs: request.inputBlobIds, steps: request.steps, lane: request.lane, single: false, key: "quote",
            payer: try Payer(submitBatch: request, caller: caller))
        let balance = try await self.submissions.billing.unary(
            BillingMethods.getBalance, BillingGetBalanceRequest(), options: plan.payer.options)
        var response = JobsQuoteBatchResponse()
        response.totalCredits = plan.jobs.reduce(0) { $0 + $1.credits }
        response.priceListVersion = plan.quote.priceListVersion
        response.tool = plan.tool.name
        response.jobCount = UInt32(plan.jobs.count)
        response.lane = plan.lane
        response.availableCredits = balance.available
        return response
    }

    func submitBatch(_ caller: RPCCaller, _ request: JobsSubmitBatchRequest) async throws -> JobsBatch {
        let key = try IdempotentCalls.check(request.idempotencyKey, domain: "jobs")
        let requestBytes = try IdempotentCalls.requestBytes(request)
        let batchID = Submissions.derivedID("batch", caller.id, key)
        if let existing = try await self.existingBatch(batchID, owner: caller.id, request: requestBytes) {
            return existing
        }
        let plan = try await self.submissions.plan(
            caller, inputs: request.inputBlobIds, steps: request.steps, lane: request.lane, single: false, key: key,
            payer: try Payer(submitBatch: request, caller: caller))
        let holds = try await self.submissions.hold(plan)
        do {
            try await self.submissions.insert(
                plan, holds: holds, owner: caller.id, batch: (batchID, key, requestBytes), job: nil,
                deleteOriginals: request.deleteOriginals, deadlineSeconds: request.deadlineSeconds)
        } catch let error as PostgresError where error.isUniqueViolation {
            if let existing = try await self.existingBatch(batchID, owner: caller.id, request: requestBytes) {
                return existing
            }
            throw error
        } catch {
            await self.submissions.release(holds, payer: plan.payer.account)
            throw error
        }
        return try await self.batch(batchID, owner: caller.id)
    }

    private func existingBatch(_ id: UUID, owner: String, request: [UInt8]) async throws -> JobsBatch? {
        guard
            let row = try await self.database.query(
                "SELECT request FROM batches WHERE id = $1 AND owner_id = $2", [id, owner]
            ).first
        else { return nil }
        guard try row.decode("request", as: [UInt8].self) == request else {
            throw failure.error(
                .failedPrecondition, "idempotency_key_reused", "this idempotency key was used for a different request",
                field: "idempotency_key")
        }
        RPCTrailers.markReplayed()
        return try await self.batch(id, owner: owner)
    }

    func getBatch(_ caller: RPCCaller, _ id: String) async throws -> JobsBatch {
        try await self.batch(try failure.parseID(id, "batch"), owner: Self.scope(caller))
    }

    func cancelBatch(_ caller: RPCCaller, _ id: String) async throws -> JobsBatch {
        let batchID = try failure.parseID(id, "batch")
        let owner = Self.scope(caller)
        _ = try await self.batch(batchID, owner: owner)
        // A running job's row says queued too (Jobs migration 9): these are every live job of the batch.
        let rows = try await self.database.query(
            "SELECT id FROM jobs WHERE batch_id = $1 AND status = 'queued'", [batchID])
        for row in rows {
            await self.settlement.settle(try await self.queue.cancel(try row.decode("id"), owner: owner))
        }
        return try await self.batch(batchID, owner: owner)
    }

    func listBatches(_ caller: RPCCaller, _ request: JobsListBatchesRequest) async throws -> JobsListBatchesResponse {
        let pageSize = request.page.pageSize == 0 ? 20 : Int(request.page.pageSize)
        guard pageSize <= 100 else { throw failure.invalid("page_size", "at most 100") }
        var parameters = PostgresParameters([caller.id])
        var condition = ""
        if !request.page.pageToken.isEmpty {
            guard let after = CreatedKeyset(token: request.page.pageToken) else {
                throw failure.invalid("page_token", "not a page token this service gave")
            }
            condition = "AND " + after.rowsAfter(&parameters)
        }
        let rows = try await self.database.query(
            """
            SELECT id FROM batches WHERE owner_id = $1 \(condition) ORDER BY created_at DESC, id DESC LIMIT \(pageSize + 1)
            """, parameters.values)
        var response = JobsListBatchesResponse()
        for row in rows.prefix(pageSize) {
            response.batches.append(try await self.batch(try row.decode("id"), owner: caller.id))
        }
        if rows.count > pageSize, let last = response.batches.last, let id = UUID(text: last.batchID) {
            response.page.nextPageToken = CreatedKeyset(createdMicros: last.createdAt.unixMicros, id: id).token
        }
        return response
    }

    /// GetBatch's query, prepared: clients poll it while a batch runs (the benchmark's client every
    /// 25 ms), and parsing and planning it took as long as running it. PostgreSQL still plans it per
    /// call (its generic plan is costed higher), but no longer parses it: 0.90 → 0.66 ms a call.
    private static let batchStatement = PostgresPreparedStatement(
        """
        SELECT b.owner_id, b.tool, b.lane, b.job_count, b.quoted_credits,
               (extract(epoch FROM b.created_at) * 1000000)::bigint AS created_us,
               coalesce(sum(j.charged_credits), 0)::bigint AS charged,
               coalesce(sum(CASE WHEN j.status = 'queued' THEN j.progress_percent ELSE 100 END), 0)::bigint AS progress_sum,
               coalesce(string_agg(array_to_string(j.output_blob_ids, ','), ',' ORDER BY j.fair_seq)
                        FILTER (WHERE cardinality(j.output_blob_ids) > 0), '') AS outputs,
               \(Self.statuses.map { "count(*) FILTER (WHERE \(JobRecord.status) = '\($0)') AS \($0)" }.joined(separator: ", "))
        FROM batches b LEFT JOIN (\(JobRecord.source)) ON j.batch_id = b.id
        WHERE b.id = $1 AND ($2::text IS NULL OR b.owner_id = $2)
        GROUP BY b.id
        """)

    private static let batchOwnedStatement =
        "SELECT 1 FROM batches WHERE id = $1 AND ($2::text IS NULL OR owner_id = $2)"

    /// Another owner's batch is not found, like an unknown one.
    func requireBatch(_ id: UUID, owner: String?) async throws {
        guard try await !self.database.query(Self.batchOwnedStatement, [id, owner]).isEmpty else {
            throw failure.notFound("batch")
        }
    }

    /// A batch as its jobs make it: counts by status, progress, charges, outputs in submission
    /// order — from one pass over its jobs.
    func batch(_ id: UUID, owner: String?) async throws -> JobsBatch {
        guard let row = try await self.database.query(Self.batchStatement, [id, owner]).first else {
            throw failure.notFound("batch")
        }
        var batch = JobsBatch()
        batch.batchID = id.lowercasedText
        batch.ownerID = try row.decode("owner_id")
        batch.tool = try row.decode("tool")
        batch.lane = try row.decode("lane")
        batch.jobCount = UInt32(try row.decode("job_count", as: Int.self))
        batch.quotedCredits = try row.decode("quoted_credits")
        batch.chargedCredits = try row.decode("charged")
        batch.createdAt = .micros(try row.decode("created_us"))
        let outputs: String = try row.decode("outputs")
        batch.outputBlobIds = outputs.isEmpty ? [] : outputs.split(separator: ",").map(String.init)
        let progressSum: Int64 = try row.decode("progress_sum")
        batch.progressPercent = UInt32(progressSum / Int64(max(batch.jobCount, 1)))
        for status in Self.statuses {
            let count = try row.decode(status, as: Int.self)
            if count > 0 { batch.jobsByStatus[status] = UInt32(count) }
        }
        batch.status = Self.batchStatus(batch.jobsByStatus)
        return batch
    }

    static let statuses = ["queued", "running", "succeeded", "failed", "canceled", "expired"]

    static func batchStatus(_ counts: [String: UInt32]) -> String {
        if counts["running", default: 0] > 0 { return "running" }
        if counts["queued", default: 0] > 0 {
            return counts.keys.contains { $0 != "queued" } ? "running" : "queued"
        }
        for status in ["failed", "canceled", "expired"] where counts[status, default: 0] > 0 {
            return counts["succeeded", default: 0] > 0 ? "failed" : status
        }
        return "succeeded"
    }

    // MARK: helpers

    /// Admins reach every job; users their own.
    static func scope(_ caller: RPCCaller) -> String? { caller.role == "admin" ? nil : caller.id }
}
