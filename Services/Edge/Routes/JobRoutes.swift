import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import RPC

/// /api/v1/jobs: single jobs over Jobs — submission (paid by the caller or a team), listing, one
/// job, cancellation, and its live progress as server-sent events. Batches: BatchRoutes.
struct JobRoutes {
    let jobs: RPCClient
    let teams: TeamPayers

    func add(to router: Router<EdgeRequestContext>) {
        self.addJobs(router.group("api/v1/jobs"))
    }

    private func addJobs(_ jobs: RouterGroup<EdgeRequestContext>) {
        jobs.requiring(.scope("jobs:write")).post(use: self.submitJob)
        jobs.requiring(.scope("jobs:read")).get(use: self.listJobs)
        jobs.requiring(.scope("jobs:read")).get(":id", use: self.job)
        jobs.requiring(.scope("jobs:write")).post(":id/cancel", use: self.cancelJob)
        // Favourites are kept on the server: every browser and the API see the same stars.
        jobs.requiring(.scope("jobs:write")).put(":id/favourite", use: self.starJob)
        jobs.requiring(.scope("jobs:write")).delete(":id/favourite", use: self.unstarJob)
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

    @Sendable func starJob(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        try await self.setFavourite(true, request, context)
    }

    @Sendable func unstarJob(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        try await self.setFavourite(false, request, context)
    }

    private func setFavourite(_ favourite: Bool, _ request: Request, _ context: EdgeRequestContext) async throws
        -> Response
    {
        let caller = try context.requireCaller()
        var call = JobsSetFavouriteRequest()
        call.jobID = try context.parameters.require("id")
        call.favourite = favourite
        let job = try await self.jobs.unary(
            JobsMethods.setFavourite, call, options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(JobJSON(job), request: request, context: context)
    }

    @Sendable func jobEvents(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var options = EdgeCalls.jobOptions(context, caller)
        options.timeout = BlobResponse.streamTimeout
        let stream = try await self.jobs.serverStreaming(
            JobsMethods.watchJob, try Self.jobRequest(context), options: options)
        return try await ServerSentEvents.response(stream) { try ServerSentEvents.event("job", JobJSON($0.job)) }
    }

    // MARK: helpers

    static func jobRequest(_ context: EdgeRequestContext) throws -> JobsGetJobRequest {
        var call = JobsGetJobRequest()
        call.jobID = try context.parameters.require("id")
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
        call.favouritesOnly = query["favourite"] == "true"
        call.titleContains = query["search"].map(String.init) ?? ""
        return call
    }
}
