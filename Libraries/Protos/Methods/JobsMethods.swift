import RPC

/// The calls of imageswiss.jobs.v1.Jobs. Reads are idempotent; writes carry idempotency keys or
/// name a state to reach (cancel, delete), so the client may retry them too.
public enum JobsMethods {
    private static func method<Request, Response>(_ name: String) -> RPCMethod<Request, Response> {
        RPCMethod("\(ServiceNames.jobs)/\(name)", idempotent: true)
    }

    public static let submitJob: RPCMethod<JobsSubmitJobRequest, JobsJob> = method("SubmitJob")
    public static let getJob: RPCMethod<JobsGetJobRequest, JobsJob> = method("GetJob")
    public static let cancelJob: RPCMethod<JobsGetJobRequest, JobsJob> = method("CancelJob")
    public static let listJobs: RPCMethod<JobsListJobsRequest, JobsListJobsResponse> = method("ListJobs")
    public static let setFavourite: RPCMethod<JobsSetFavouriteRequest, JobsJob> = method("SetFavourite")
    public static let watchJob: RPCMethod<JobsGetJobRequest, JobsJobEvent> = RPCMethod(
        "\(ServiceNames.jobs)/WatchJob", kind: .serverStreaming, idempotent: true
    )
    public static let quoteBatch: RPCMethod<JobsSubmitBatchRequest, JobsQuoteBatchResponse> = method("QuoteBatch")
    public static let submitBatch: RPCMethod<JobsSubmitBatchRequest, JobsBatch> = method("SubmitBatch")
    public static let getBatch: RPCMethod<JobsGetBatchRequest, JobsBatch> = method("GetBatch")
    public static let watchBatch: RPCMethod<JobsGetBatchRequest, JobsBatchEvent> = RPCMethod(
        "\(ServiceNames.jobs)/WatchBatch", kind: .serverStreaming, idempotent: true
    )
    public static let listBatches: RPCMethod<JobsListBatchesRequest, JobsListBatchesResponse> = method("ListBatches")
    public static let cancelBatch: RPCMethod<JobsGetBatchRequest, JobsBatch> = method("CancelBatch")
    public static let createWebhook: RPCMethod<JobsCreateWebhookRequest, JobsWebhook> = method("CreateWebhook")
    public static let listWebhooks: RPCMethod<JobsListWebhooksRequest, JobsListWebhooksResponse> = method(
        "ListWebhooks")
    public static let deleteWebhook: RPCMethod<JobsWebhookRequest, JobsDeleteWebhookResponse> = method("DeleteWebhook")
    public static let listDeliveries: RPCMethod<JobsListDeliveriesRequest, JobsListDeliveriesResponse> = method(
        "ListDeliveries")
    public static let retryJob: RPCMethod<JobsGetJobRequest, JobsJob> = method("RetryJob")
    public static let queueDepth: RPCMethod<JobsQueueDepthRequest, JobsQueueDepthResponse> = method("QueueDepth")
    public static let redriveSettlements: RPCMethod<JobsRedriveSettlementsRequest, JobsRedriveSettlementsResponse> =
        method("RedriveSettlements")
    public static let rotateWebhookSecret: RPCMethod<JobsWebhookRequest, JobsWebhook> = method("RotateWebhookSecret")
    public static let testWebhook: RPCMethod<JobsWebhookRequest, JobsDelivery> = method("TestWebhook")
    public static let redeliver: RPCMethod<JobsRedeliverRequest, JobsDelivery> = method("Redeliver")
    public static let listOperations: RPCMethod<JobsListOperationsRequest, JobsListOperationsResponse> = method(
        "ListOperations")
    public static let getUsage: RPCMethod<JobsUsageRequest, JobsUsage> = method("GetUsage")
    public static let getAICatalogue: RPCMethod<JobsGetAICatalogueRequest, JobsAICatalogue> = method("GetAICatalogue")
    public static let putAIProvider: RPCMethod<JobsPutAIProviderRequest, JobsAIProvider> = method("PutAIProvider")
    public static let putAIModel: RPCMethod<JobsPutAIModelRequest, JobsAIModel> = method("PutAIModel")
    public static let putStylePreset: RPCMethod<JobsPutStylePresetRequest, JobsStylePreset> = method("PutStylePreset")
    public static let putTierSpendLimit: RPCMethod<JobsPutTierSpendLimitRequest, JobsTierSpendLimit> = method(
        "PutTierSpendLimit")
    public static let listPersonalModels: RPCMethod<JobsListPersonalModelsRequest, JobsListPersonalModelsResponse> =
        method("ListPersonalModels")
    public static let getPersonalModel: RPCMethod<JobsPersonalModelRequest, JobsPersonalModel> = method(
        "GetPersonalModel")
    public static let deletePersonalModel: RPCMethod<JobsPersonalModelRequest, JobsPersonalModel> = method(
        "DeletePersonalModel")
    public static let getProviderSpend: RPCMethod<JobsSpendRequest, JobsSpendReport> = method("GetProviderSpend")
    /// Idempotent: the hold, the derivative and the capture are keyed by file and transformation.
    public static let transform: RPCMethod<JobsTransformRequest, JobsTransformResponse> = method("Transform")
    public static let suggestCorners: RPCMethod<JobsSuggestCornersRequest, ImageOpsPrintCorners> = method(
        "SuggestCorners")
    public static let deleteAIEntry: RPCMethod<JobsDeleteAIEntryRequest, JobsDeleteAIEntryResponse> = method(
        "DeleteAIEntry")
}
