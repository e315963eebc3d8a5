import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// Jobs' RPC handlers: each reads the caller from the metadata and hands over to the service.
struct JobsHandlers: Sendable {
    let jobs: JobsService
    let webhooks: Webhooks
    let notifications: JobNotifications
    let corners: CornerSuggestions
    let transformations: Transformations

    func register(in router: inout RPCRouter) {
        let jobs = self.jobs
        let webhooks = self.webhooks
        let notifications = self.notifications
        router.register(JobsMethods.submitJob) { request, context in
            try await jobs.submitJob(try RPCCaller(context.metadata), request)
        }
        router.register(JobsMethods.getJob) { request, context in
            try await jobs.getJob(try RPCCaller(context.metadata), request.jobID)
        }
        router.register(JobsMethods.cancelJob) { request, context in
            try await jobs.cancelJob(try RPCCaller(context.metadata), request.jobID)
        }
        router.register(JobsMethods.listJobs) { request, context in
            try await jobs.listJobs(try RPCCaller(context.metadata), request)
        }
        router.register(JobsMethods.setFavourite) { request, context in
            try await jobs.setFavourite(try RPCCaller(context.metadata), request)
        }
        router.register(
            JobsMethods.watchJob,
            streaming: { request, context, writer in
                try await Self.watch(jobs, notifications, try RPCCaller(context.metadata), request.jobID) {
                    try await writer.send($0)
                }
            })
        router.register(JobsMethods.quoteBatch) { request, context in
            try await jobs.quoteBatch(try RPCCaller(context.metadata), request)
        }
        router.register(JobsMethods.submitBatch) { request, context in
            try await jobs.submitBatch(try RPCCaller(context.metadata), request)
        }
        router.register(JobsMethods.getBatch) { request, context in
            try await jobs.getBatch(try RPCCaller(context.metadata), request.batchID)
        }
        router.register(
            JobsMethods.watchBatch,
            streaming: { request, context, writer in
                try await jobs.watchBatch(try RPCCaller(context.metadata), request.batchID) {
                    try await writer.send($0)
                }
            })
        router.register(JobsMethods.listBatches) { request, context in
            try await jobs.listBatches(try RPCCaller(context.metadata), request)
        }
        router.register(JobsMethods.cancelBatch) { request, context in
            try await jobs.cancelBatch(try RPCCaller(context.metadata), request.batchID)
        }
        router.register(JobsMethods.createWebhook) { request, context in
            try await webhooks.create(try RPCCaller(context.metadata), request)
        }
        router.register(JobsMethods.listWebhooks) { _, context in
            try await webhooks.list(try RPCCaller(context.metadata))
        }
        router.register(JobsMethods.deleteWebhook) { request, context in
            try await webhooks.delete(try RPCCaller(context.metadata), request.webhookID)
            return JobsDeleteWebhookResponse()
        }
        router.register(JobsMethods.listDeliveries) { request, context in
            try await webhooks.deliveries(try RPCCaller(context.metadata), request)
        }
        router.register(JobsMethods.rotateWebhookSecret) { request, context in
            try await webhooks.rotateSecret(try RPCCaller(context.metadata), request.webhookID)
        }
        router.register(JobsMethods.testWebhook) { request, context in
            try await webhooks.sendTest(try RPCCaller(context.metadata), request.webhookID)
        }
        router.register(JobsMethods.redeliver) { request, context in
            try await webhooks.redeliver(try RPCCaller(context.metadata), request)
        }
        router.register(JobsMethods.retryJob) { request, context in
            try await jobs.retryJob(try RPCCaller(context.metadata), request.jobID)
        }
        router.register(JobsMethods.queueDepth) { _, context in
            try await jobs.queueDepth(try RPCCaller(context.metadata))
        }
        router.register(JobsMethods.redriveSettlements) { _, context in
            try await jobs.redriveSettlements(try RPCCaller(context.metadata))
        }
        router.register(JobsMethods.listOperations) { _, _ in try await jobs.operations() }
        let catalogue = jobs.submissions.catalogue
        // Public (the generation page before sign-in): no caller reads what anyone may.
        router.register(JobsMethods.getAICatalogue) { _, context in
            try await catalogue.catalogue(admin: (try? RPCCaller(context.metadata))?.role == "admin")
        }
        router.register(JobsMethods.putAIProvider) { request, context in
            try await catalogue.putProvider(try RPCCaller(context.metadata), request.provider)
        }
        router.register(JobsMethods.putAIModel) { request, context in
            try await catalogue.putModel(try RPCCaller(context.metadata), request.model)
        }
        router.register(JobsMethods.putStylePreset) { request, context in
            try await catalogue.putPreset(
                try RPCCaller(context.metadata), request.preset, storage: jobs.submissions.storage)
        }
        router.register(JobsMethods.putTierSpendLimit) { request, context in
            try await catalogue.putTierLimit(try RPCCaller(context.metadata), request.limit)
        }
        let personalModels = jobs.submissions.personalModels
        router.register(JobsMethods.listPersonalModels) { _, context in
            try await personalModels.list(try RPCCaller(context.metadata))
        }
        router.register(JobsMethods.getPersonalModel) { request, context in
            try await personalModels.get(try RPCCaller(context.metadata), request.id)
        }
        router.register(JobsMethods.deletePersonalModel) { request, context in
            try await jobs.deletePersonalModel(try RPCCaller(context.metadata), request.id)
        }
        let transformations = self.transformations
        router.register(JobsMethods.transform) { request, context in
            try await transformations.transform(try RPCCaller(context.metadata), request)
        }
        let corners = self.corners
        router.register(JobsMethods.suggestCorners) { request, context in
            try await corners.suggest(try RPCCaller(context.metadata), fileID: request.fileID)
        }
        router.register(JobsMethods.getProviderSpend) { request, context in
            try await jobs.queue.spend(try RPCCaller(context.metadata), days: request.days)
        }
        router.register(JobsMethods.deleteAIEntry) { request, context in
            try await catalogue.delete(try RPCCaller(context.metadata), kind: request.kind, id: request.id)
            return JobsDeleteAIEntryResponse()
        }
        router.register(JobsMethods.getUsage) { request, context in
            try await jobs.usage(try RPCCaller(context.metadata), days: request.days)
        }
    }

    /// The job now, then each change (status, progress) until it is final or the caller goes away.
    static func watch(
        _ jobs: JobsService, _ notifications: JobNotifications, _ caller: RPCCaller, _ id: String,
        send: (JobsJobEvent) async throws -> Void
    ) async throws {
        let jobID = try failure.parseID(id, "job")
        let key = jobID.lowercasedText
        // Subscribe before the first read, so a change between the two is not missed.
        let (changes, token) = notifications.watch(ids: [key])
        defer { notifications.unwatch(ids: [key], token) }
        var job = try await jobs.job(jobID, owner: JobsService.scope(caller))
        var event = JobsJobEvent()
        event.job = job
        try await send(event)
        for await _ in changes {
            if JobRecord.finalStatuses.contains(job.status) { return }
            let now = try await jobs.job(jobID, owner: JobsService.scope(caller))
            guard
                now.status != job.status || now.progressPercent != job.progressPercent
                    || now.progressMessage != job.progressMessage
                    || now.attempts != job.attempts
            else { continue }
            job = now
            event.job = job
            try await send(event)
        }
    }
}
