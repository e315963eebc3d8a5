import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import RPC

/// /api/v1/jobs and /api/v1/batches over Jobs (batch zips from Storage), and
/// /api/v1/admin/jobs and /api/v1/admin/queues for administrators.
struct JobRoutes {
    let jobs: RPCClient
    let storage: RPCClient
    let teams: TeamPayers

    func add(to router: Router<EdgeRequestContext>) {
        self.addJobs(router.group("api/v1/jobs"))
        self.addBatches(router.group("api/v1/batches"))
        self.addAdmin(router.group("api/v1/admin"))
    }

    private func addJobs(_ jobs: RouterGroup<EdgeRequestContext>) {
        jobs.requiring(.scope("jobs:write")).post(use: self.submitJob)
        jobs.requiring(.scope("jobs:read")).get(use: self.listJobs)
        jobs.requiring(.scope("jobs:read")).get(":id", use: self.job)
        jobs.requiring(.scope("jobs:write")).post(":id/cancel", use: self.cancelJob)
        // Server-Sent Events: the job now, then each change, until it is final.
        jobs.requiring(.scope("jobs:read")).get(":id/events", use: self.jobEvents)
    }

    @Sendable func submitJob(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: SubmitBody.self, context: context)
        let payer = try await self.teams.payer(body.teamID, context: context, caller: caller)
        let job = try await self.jobs.unary(
            JobsMethods.submitJob, body.job(key: Idempotency.keyOrFresh(request), payer: payer),
            options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(JobJSON(job), status: .created, request: request, context: context)
    }

    @Sendable func listJobs(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let call = try Self.listRequest(request)
        let page = try await self.jobs.unary(JobsMethods.listJobs, call, options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(
            Page(items: page.jobs.map { JobJSON($0) }, nextPageToken: QueryValues.nextToken(page.page)),
            request: request,
            context: context)
    }

    @Sendable func job(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let job = try await self.jobs.unary(
            JobsMethods.getJob, try Self.jobRequest(context), options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(JobJSON(job), request: request, context: context)
    }

    @Sendable func cancelJob(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let job = try await self.jobs.unary(
            JobsMethods.cancelJob, try Self.jobRequest(context), options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(JobJSON(job), request: request, context: context)
    }

    @Sendable func jobEvents(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var options = EdgeCalls.jobOptions(context, caller)
        options.timeout = BlobResponse.streamTimeout
        let stream = try await self.jobs.serverStreaming(
            JobsMethods.watchJob, try Self.jobRequest(context), options: options)
        // The first event is read before the status: an unknown job is a 404, not an empty stream.
        let cursor = StreamCursor(stream.makeAsyncIterator())
        guard let first = try await cursor.next() else {
            throw EdgeError(.badGateway, "jobs_failed", "jobs sent no event")
        }
        let headers: HTTPFields = [
            .contentType: "text/event-stream", .cacheControl: "no-cache", .xContentTypeOptions: "nosniff",
        ]
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                var event: JobsJobEvent? = first
                while let current = event {
                    try await writer.write(try Self.serverSentEvent(current.job))
                    event = try await cursor.next()
                }
                try await writer.finish(nil)
            })
    }

    private func addBatches(_ batches: RouterGroup<EdgeRequestContext>) {
        batches.requiring(.anyScope(["billing:read", "jobs:write"])).post("quote", use: self.quoteBatch)
        batches.requiring(.scope("jobs:write")).post(use: self.submitBatch)
        batches.requiring(.scope("jobs:read")).get(use: self.listBatches)
        batches.requiring(.scope("jobs:read")).get(":id", use: self.batch)
        batches.requiring(.scope("jobs:read")).get(":id/jobs", use: self.batchJobs)
        batches.requiring(.scope("jobs:write")).post(":id/cancel", use: self.cancelBatch)
        // The batch's results as one zip, streamed from Storage.
        batches.requiring(.allScopes(["jobs:read", "files:read"])).get(":id/zip", use: self.batchZip)
    }

    @Sendable func submitBatch(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: SubmitBody.self, context: context)
        let payer = try await self.teams.payer(body.teamID, context: context, caller: caller)
        var options = EdgeCalls.jobOptions(context, caller)
        options.timeout = .seconds(120)  // a thousand holds
        let batch = try await self.jobs.unary(
            JobsMethods.submitBatch, body.batch(key: Idempotency.keyOrFresh(request), payer: payer),
            options: options)
        return try JSONAnswer.response(BatchJSON(batch), status: .created, request: request, context: context)
    }

    @Sendable func listBatches(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = JobsListBatchesRequest()
        call.page = QueryValues.page(request)
        let page = try await self.jobs.unary(
            JobsMethods.listBatches, call, options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(
            Page(items: page.batches.map(BatchJSON.init), nextPageToken: QueryValues.nextToken(page.page)),
            request: request,
            context: context)
    }

    @Sendable func quoteBatch(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: SubmitBody.self, context: context)
        let payer = try await self.teams.payer(body.teamID, context: context, caller: caller)
        let quote = try await self.jobs.unary(
            JobsMethods.quoteBatch, body.batch(key: "", payer: payer), options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(BatchQuoteJSON(quote), request: request, context: context)
    }

    @Sendable func batch(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let batch = try await self.jobs.unary(
            JobsMethods.getBatch, try Self.batchRequest(context), options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(BatchJSON(batch), request: request, context: context)
    }

    @Sendable func batchJobs(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = try Self.listRequest(request)
        call.batchID = try context.parameters.require("id")
        let page = try await self.jobs.unary(JobsMethods.listJobs, call, options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(
            Page(items: page.jobs.map { JobJSON($0) }, nextPageToken: QueryValues.nextToken(page.page)),
            request: request,
            context: context)
    }

    @Sendable func cancelBatch(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let batch = try await self.jobs.unary(
            JobsMethods.cancelBatch, try Self.batchRequest(context), options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(BatchJSON(batch), request: request, context: context)
    }

    @Sendable func batchZip(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let options = EdgeCalls.jobOptions(context, caller)
        let batch = try await self.jobs.unary(
            JobsMethods.getBatch, try Self.batchRequest(context), options: options)
        guard !batch.outputBlobIds.isEmpty else {
            throw EdgeError(.conflict, "no_results", "this batch has no results yet (\(batch.status))")
        }
        return try await ZipResponse.stream(
            self.storage, ids: batch.outputBlobIds, name: "imageswiss-batch-\(batch.batchID.prefix(8)).zip",
            options: options)
    }

    private func addAdmin(_ admin: RouterGroup<EdgeRequestContext>) {
        admin.requiring(.admin).get("jobs", use: self.adminJobs)
        admin.requiring(.admin).post("jobs/:id/retry", use: self.retryJob)
        admin.requiring(.admin).post("jobs/:id/cancel", use: self.adminCancelJob)
        admin.requiring(.admin).get("queues", use: self.queues)
    }

    @Sendable func adminJobs(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = try Self.listRequest(request)
        call.ownerID = request.uri.queryParameters["owner_id"].map(String.init) ?? "*"
        let page = try await self.jobs.unary(JobsMethods.listJobs, call, options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(
            Page(items: page.jobs.map { JobJSON($0, admin: true) }, nextPageToken: QueryValues.nextToken(page.page)),
            request: request, context: context)
    }

    @Sendable func retryJob(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let job = try await self.jobs.unary(
            JobsMethods.retryJob, try Self.jobRequest(context), options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(JobJSON(job, admin: true), request: request, context: context)
    }

    @Sendable func adminCancelJob(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let job = try await self.jobs.unary(
            JobsMethods.cancelJob, try Self.jobRequest(context), options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(JobJSON(job, admin: true), request: request, context: context)
    }

    @Sendable func queues(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let depth = try await self.jobs.unary(
            JobsMethods.queueDepth, JobsQueueDepthRequest(), options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(
            Page(items: depth.lanes.map(LaneJSON.init), nextPageToken: nil), request: request, context: context)
    }

    // MARK: helpers

    static func jobRequest(_ context: EdgeRequestContext) throws -> JobsGetJobRequest {
        var call = JobsGetJobRequest()
        call.jobID = try context.parameters.require("id")
        return call
    }

    static func batchRequest(_ context: EdgeRequestContext) throws -> JobsGetBatchRequest {
        var call = JobsGetBatchRequest()
        call.batchID = try context.parameters.require("id")
        return call
    }

    static func listRequest(_ request: Request) throws -> JobsListJobsRequest {
        let query = request.uri.queryParameters
        var call = JobsListJobsRequest()
        call.page = QueryValues.page(request)
        call.status = query["status"].map(String.init) ?? ""
        call.lane = query["lane"].map(String.init) ?? ""
        call.tool = query["tool"].map(String.init) ?? ""
        call.batchID = query["batch_id"].map(String.init) ?? ""
        return call
    }

    /// One SSE message: `event: job`, the job as JSON on one data line.
    static func serverSentEvent(_ job: JobsJob) throws -> ByteBuffer {
        var buffer = ByteBuffer(string: "event: job\ndata: ")
        var json = try JSONAnswer.encode(JobJSON(job))
        buffer.writeBuffer(&json)
        buffer.writeString("\n\n")
        return buffer
    }
}
