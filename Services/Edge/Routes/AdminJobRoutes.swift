import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import RPC

/// /api/v1/admin/jobs and /api/v1/admin/queues: administrators list, retry and cancel anyone's jobs
/// and read the queues.
struct AdminJobRoutes {
    let jobs: RPCClient
    func add(to router: Router<EdgeRequestContext>) {
        let admin = router.group("api/v1/admin").requiring(.admin)
        admin.get("jobs", use: self.adminJobs)
        admin.post("jobs/:id/retry", use: self.retryJob)
        admin.post("jobs/:id/cancel", use: self.adminCancelJob)
        admin.get("queues", use: self.queues)
    }

    @Sendable func adminJobs(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = try JobRoutes.listRequest(request)
        call.ownerID = request.uri.queryParameters["owner_id"].map(String.init) ?? "*"
        let page = try await self.jobs.unary(JobsMethods.listJobs, call, options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(
            Page(items: page.jobs.map { JobJSON($0, admin: true) }, nextPageToken: QueryValues.nextToken(page.page)),
            request: request, context: context)
    }

    @Sendable func retryJob(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let job = try await self.jobs.unary(
            JobsMethods.retryJob, try JobRoutes.jobRequest(context), options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(JobJSON(job, admin: true), request: request, context: context)
    }

    @Sendable func adminCancelJob(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let job = try await self.jobs.unary(
            JobsMethods.cancelJob, try JobRoutes.jobRequest(context), options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(JobJSON(job, admin: true), request: request, context: context)
    }

    @Sendable func queues(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let depth = try await self.jobs.unary(
            JobsMethods.queueDepth, JobsQueueDepthRequest(), options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(
            Page(items: depth.lanes.map(LaneJSON.init), nextPageToken: nil), request: request, context: context)
    }
}
