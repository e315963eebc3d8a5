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
        jobs.post { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.require(scope: "jobs:write")
            let body = try await request.decode(as: SubmitBody.self, context: context)
            let payer = try await self.teams.payer(body.team_id, context: context, caller: caller)
            let job = try await self.jobs.unary(
                JobsMethods.submitJob, body.job(key: BillingRoutes.idempotencyKey(request), payer: payer),
                options: Self.options(context, caller))
            return try AuthRoutes.json(JobJSON(job), status: .created, request: request, context: context)
        }
        jobs.get { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.require(scope: "jobs:read")
            let call = try Self.listRequest(request)
            let page = try await self.jobs.unary(JobsMethods.listJobs, call, options: Self.options(context, caller))
            return try AuthRoutes.json(
                Page(items: page.jobs.map { JobJSON($0) }, next_page_token: Self.token(page.page)), request: request,
                context: context)
        }
        jobs.get(":id") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.require(scope: "jobs:read")
            let job = try await self.jobs.unary(
                JobsMethods.getJob, try Self.jobRequest(context), options: Self.options(context, caller))
            return try AuthRoutes.json(JobJSON(job), request: request, context: context)
        }
        jobs.post(":id/cancel") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.require(scope: "jobs:write")
            let job = try await self.jobs.unary(
                JobsMethods.cancelJob, try Self.jobRequest(context), options: Self.options(context, caller))
            return try AuthRoutes.json(JobJSON(job), request: request, context: context)
        }
        // Server-Sent Events: the job now, then each change, until it is final.
        jobs.get(":id/events") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.require(scope: "jobs:read")
            var options = Self.options(context, caller)
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
    }

    private func addBatches(_ batches: RouterGroup<EdgeRequestContext>) {
        batches.post("quote") { request, context -> Response in
            let caller = try context.requireCaller()
            if (try? caller.require(scope: "billing:read")) == nil { try caller.require(scope: "jobs:write") }
            let body = try await request.decode(as: SubmitBody.self, context: context)
            let payer = try await self.teams.payer(body.team_id, context: context, caller: caller)
            let quote = try await self.jobs.unary(
                JobsMethods.quoteBatch, body.batch(key: "", payer: payer), options: Self.options(context, caller))
            return try AuthRoutes.json(BatchQuoteJSON(quote), request: request, context: context)
        }
        batches.post { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.require(scope: "jobs:write")
            let body = try await request.decode(as: SubmitBody.self, context: context)
            let payer = try await self.teams.payer(body.team_id, context: context, caller: caller)
            var options = Self.options(context, caller)
            options.timeout = .seconds(120)  // a thousand holds
            let batch = try await self.jobs.unary(
                JobsMethods.submitBatch, body.batch(key: BillingRoutes.idempotencyKey(request), payer: payer),
                options: options)
            return try AuthRoutes.json(BatchJSON(batch), status: .created, request: request, context: context)
        }
        batches.get { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.require(scope: "jobs:read")
            var call = JobsListBatchesRequest()
            call.page = Self.page(request)
            let page = try await self.jobs.unary(JobsMethods.listBatches, call, options: Self.options(context, caller))
            return try AuthRoutes.json(
                Page(items: page.batches.map(BatchJSON.init), next_page_token: Self.token(page.page)), request: request,
                context: context)
        }
        batches.get(":id") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.require(scope: "jobs:read")
            let batch = try await self.jobs.unary(
                JobsMethods.getBatch, try Self.batchRequest(context), options: Self.options(context, caller))
            return try AuthRoutes.json(BatchJSON(batch), request: request, context: context)
        }
        batches.get(":id/jobs") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.require(scope: "jobs:read")
            var call = try Self.listRequest(request)
            call.batchID = try context.parameters.require("id")
            let page = try await self.jobs.unary(JobsMethods.listJobs, call, options: Self.options(context, caller))
            return try AuthRoutes.json(
                Page(items: page.jobs.map { JobJSON($0) }, next_page_token: Self.token(page.page)), request: request,
                context: context)
        }
        batches.post(":id/cancel") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.require(scope: "jobs:write")
            let batch = try await self.jobs.unary(
                JobsMethods.cancelBatch, try Self.batchRequest(context), options: Self.options(context, caller))
            return try AuthRoutes.json(BatchJSON(batch), request: request, context: context)
        }
        // The batch's results as one zip, streamed from Storage.
        batches.get(":id/zip") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.require(scope: "jobs:read")
            try caller.require(scope: "files:read")
            let options = Self.options(context, caller)
            let batch = try await self.jobs.unary(
                JobsMethods.getBatch, try Self.batchRequest(context), options: options)
            guard !batch.outputBlobIds.isEmpty else {
                throw EdgeError(.conflict, "no_results", "this batch has no results yet (\(batch.status))")
            }
            return try await ZipResponse.stream(
                self.storage, ids: batch.outputBlobIds, name: "imageswiss-batch-\(batch.batchID.prefix(8)).zip",
                options: options)
        }
    }

    private func addAdmin(_ admin: RouterGroup<EdgeRequestContext>) {
        admin.get("jobs") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.requireAdmin()
            var call = try Self.listRequest(request)
            call.ownerID = request.uri.queryParameters["owner_id"].map(String.init) ?? "*"
            let page = try await self.jobs.unary(JobsMethods.listJobs, call, options: Self.options(context, caller))
            return try AuthRoutes.json(
                Page(items: page.jobs.map { JobJSON($0, admin: true) }, next_page_token: Self.token(page.page)),
                request: request, context: context)
        }
        admin.post("jobs/:id/retry") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.requireAdmin()
            let job = try await self.jobs.unary(
                JobsMethods.retryJob, try Self.jobRequest(context), options: Self.options(context, caller))
            return try AuthRoutes.json(JobJSON(job, admin: true), request: request, context: context)
        }
        admin.post("jobs/:id/cancel") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.requireAdmin()
            let job = try await self.jobs.unary(
                JobsMethods.cancelJob, try Self.jobRequest(context), options: Self.options(context, caller))
            return try AuthRoutes.json(JobJSON(job, admin: true), request: request, context: context)
        }
        admin.get("queues") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.requireAdmin()
            let depth = try await self.jobs.unary(
                JobsMethods.queueDepth, JobsQueueDepthRequest(), options: Self.options(context, caller))
            return try AuthRoutes.json(
                Page(items: depth.lanes.map(LaneJSON.init), next_page_token: nil), request: request, context: context)
        }
    }

    // MARK: helpers

    static func options(_ context: EdgeRequestContext, _ caller: VerifiedCaller) -> RPCCallOptions {
        var options = AuthRoutes.options(context, caller)
        options.timeout = .seconds(30)
        return options
    }

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

    static func page(_ request: Request) -> CommonPageRequest {
        var page = CommonPageRequest()
        let query = request.uri.queryParameters
        page.pageToken = query["page_token"].map(String.init) ?? ""
        if let size = query["page_size"] { page.pageSize = UInt32(size) ?? 0 }
        return page
    }

    static func listRequest(_ request: Request) throws -> JobsListJobsRequest {
        let query = request.uri.queryParameters
        var call = JobsListJobsRequest()
        call.page = Self.page(request)
        call.status = query["status"].map(String.init) ?? ""
        call.lane = query["lane"].map(String.init) ?? ""
        call.tool = query["tool"].map(String.init) ?? ""
        call.batchID = query["batch_id"].map(String.init) ?? ""
        return call
    }

    static func token(_ page: CommonPageResponse) -> String? { page.nextPageToken.isEmpty ? nil : page.nextPageToken }

    /// One SSE message: `event: job`, the job as JSON on one data line.
    static func serverSentEvent(_ job: JobsJob) throws -> ByteBuffer {
        var buffer = ByteBuffer(string: "event: job\ndata: ")
        var json = try AuthRoutes.encode(JobJSON(job))
        buffer.writeBuffer(&json)
        buffer.writeString("\n\n")
        return buffer
    }
}
