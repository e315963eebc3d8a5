import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import RPC

/// /api/v1/batches: one checklist over many inputs — its quote, submission (paid by the caller or a
/// team), progress, jobs, cancellation and the results as one zip (streamed from Storage).
struct BatchRoutes {
    let jobs: RPCClient
    let storage: RPCClient
    let teams: TeamPayers
    func add(to router: Router<EdgeRequestContext>) {
        let batches = router.group("api/v1/batches")
        batches.requiring(.anyScope(["billing:read", "jobs:write"])).post("quote", use: self.quoteBatch)
        batches.requiring(.scope("jobs:write")).post(use: self.submitBatch)
        batches.requiring(.scope("jobs:read")).get(use: self.listBatches)
        batches.requiring(.scope("jobs:read")).get(":id", use: self.batch)
        batches.requiring(.scope("jobs:read")).get(":id/jobs", use: self.batchJobs)
        batches.requiring(.scope("jobs:read")).get(":id/events", use: self.batchEvents)
        batches.requiring(.scope("jobs:write")).post(":id/cancel", use: self.cancelBatch)
        // The batch's results as one zip, streamed from Storage.
        batches.requiring(.allScopes(["jobs:read", "files:read"])).get(":id/zip", use: self.batchZip)
    }

    @Sendable func quoteBatch(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: SubmitBody.self, context: context)
        let payer = try await self.teams.payer(body.teamID, context: context, caller: caller)
        let quote = try await self.jobs.unary(
            JobsMethods.quoteBatch, body.batch(key: "", payer: payer), options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(BatchQuoteJSON(quote), request: request, context: context)
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

    @Sendable func batch(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let batch = try await self.jobs.unary(
            JobsMethods.getBatch, try Self.batchRequest(context), options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(BatchJSON(batch), request: request, context: context)
    }

    @Sendable func batchJobs(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = try JobRoutes.listRequest(request)
        call.batchID = try context.parameters.require("id")
        let page = try await self.jobs.unary(JobsMethods.listJobs, call, options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(
            Page(items: page.jobs.map { JobJSON($0) }, nextPageToken: QueryValues.nextToken(page.page)),
            request: request,
            context: context)
    }

    /// Server-sent events until the batch is final: `batch` (the batch as GET answers it), then a
    /// `job` event for each of its jobs; later, at each change, `batch` and the jobs that changed.
    @Sendable func batchEvents(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var options = EdgeCalls.jobOptions(context, caller)
        options.timeout = BlobResponse.streamTimeout
        let stream = try await self.jobs.serverStreaming(
            JobsMethods.watchBatch, try Self.batchRequest(context), options: options)
        return try await ServerSentEvents.response(stream) { event in
            var buffer = try ServerSentEvents.event("batch", BatchJSON(event.batch))
            for job in event.jobs { buffer.writeImmutableBuffer(try ServerSentEvents.event("job", JobJSON(job))) }
            return buffer
        }
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

    static func batchRequest(_ context: EdgeRequestContext) throws -> JobsGetBatchRequest {
        var call = JobsGetBatchRequest()
        call.batchID = try context.parameters.require("id")
        return call
    }
}
