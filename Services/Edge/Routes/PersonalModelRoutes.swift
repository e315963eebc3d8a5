import Hummingbird
import ImageSwissProtos
import RPC

/// Personal models (Jobs): POST /api/v1/models trains one on 10–30 of the caller's training
/// photos (a train_model job, quoted and held like any; the model's id is the job's), GET lists
/// and reads them with their progress, DELETE removes one and its photos. Another user's model is
/// a 404. Generation with a ready model is the operation generate_with_model.
struct PersonalModelRoutes {
    let jobs: RPCClient

    func add(to router: Router<EdgeRequestContext>) {
        router.requiring(.scope("jobs:write")).post("api/v1/models", use: self.train)
        router.requiring(.scope("jobs:read")).get("api/v1/models", use: self.list)
        router.requiring(.scope("jobs:read")).get("api/v1/models/:id", use: self.get)
        router.requiring(.scope("jobs:write")).delete("api/v1/models/:id", use: self.remove)
    }

    @Sendable func train(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: TrainBody.self, context: context)
        let options = EdgeCalls.jobOptions(context, caller)
        let job = try await self.jobs.unary(
            JobsMethods.submitJob, body.call(key: Idempotency.keyOrFresh(request)), options: options)
        var read = JobsPersonalModelRequest()
        read.id = job.jobID
        let model = try await self.jobs.unary(JobsMethods.getPersonalModel, read, options: options)
        return try JSONAnswer.response(PersonalModelJSON(model), status: .accepted, request: request, context: context)
    }

    @Sendable func list(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let models = try await self.jobs.unary(
            JobsMethods.listPersonalModels, JobsListPersonalModelsRequest(),
            options: EdgeCalls.jobOptions(context, caller)
        )
        return try JSONAnswer.response(
            Page(items: models.models.map(PersonalModelJSON.init), nextPageToken: nil), request: request,
            context: context)
    }

    @Sendable func get(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let model = try await self.jobs.unary(
            JobsMethods.getPersonalModel, try Self.model(context), options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(PersonalModelJSON(model), request: request, context: context)
    }

    @Sendable func remove(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        _ = try await self.jobs.unary(
            JobsMethods.deletePersonalModel, try Self.model(context), options: EdgeCalls.jobOptions(context, caller))
        return Response(status: .noContent)
    }

    static func model(_ context: EdgeRequestContext) throws -> JobsPersonalModelRequest {
        var call = JobsPersonalModelRequest()
        call.id = try context.parameters.require("id")
        return call
    }
}
