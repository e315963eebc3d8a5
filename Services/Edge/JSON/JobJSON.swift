import Foundation
import ImageSwissProtos
import Operations

// The JSON shapes of /api/v1/jobs, /api/v1/batches and /api/v1/webhooks. camelCase in Swift, snake_case on the wire
// (CodingKeys); times in RFC 3339.

struct StepJSON: Codable {
    var operation: String
    var parameters: [String: String]?

    init(_ step: JobsStep) {
        self.operation = step.operation
        self.parameters = step.parameters.isEmpty ? nil : step.parameters
    }

    private enum CodingKeys: String, CodingKey {
        case operation, parameters
    }

    /// Parameters are typed JSON: `{"width": 512}`, `{"lossless": true}`, `{"format": "webp"}`. The
    /// string forms (`"512"`) stay accepted. Jobs checks names and ranges against the catalogue.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.operation = try container.decode(String.self, forKey: .operation)
        guard container.contains(.parameters), try !container.decodeNil(forKey: .parameters) else { return }
        let values = try container.decode([String: ParameterValue].self, forKey: .parameters)
        self.parameters = values.mapValues(\.text)
    }

    var message: JobsStep {
        var step = JobsStep()
        step.operation = self.operation
        step.parameters = self.parameters ?? [:]
        return step
    }
}

/// One parameter's JSON value, kept as the text the pipeline reads (numbers in their shortest form).
struct ParameterValue: Decodable {
    let text: String

    init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer()
        if let text = try? value.decode(String.self) {
            self.text = text
        } else if let flag = try? value.decode(Bool.self) {
            self.text = flag ? "true" : "false"
        } else if let integer = try? value.decode(Int64.self) {
            self.text = String(integer)
        } else if let number = try? value.decode(Double.self), number.isFinite {
            self.text = "\(number)"
        } else {
            let name = decoder.codingPath.last?.stringValue ?? "a parameter"
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "parameters.\(name) must be a string, a number or a boolean"))
        }
    }
}

struct JobJSON: Encodable {
    let id, status, tool, lane, credits: String
    let batchID: String?
    let steps: [StepJSON]
    let inputFileIDs, outputFileIDs, thumbnailFileIDs: [String]
    let progress: UInt32
    let progressMessage: String
    let attempts, maxAttempts: UInt32
    let error: String?
    let quotedCredits, chargedCredits: Int64
    let result: String?
    let createdAt, updatedAt, startedAt, finishedAt: String?
    let ownerID, worker: String?
    /// The team that paid, when a team did.
    let teamID: String?
    /// Starred by its owner.
    let favourite: Bool
    /// The first input's file name, or a generation's prompt.
    let title: String

    init(_ job: JobsJob, admin: Bool = false) {
        (self.id, self.status, self.tool, self.lane, self.credits) = (
            job.jobID, job.status, job.tool, job.lane, job.credits
        )
        self.batchID = job.batchID.isEmpty ? nil : job.batchID
        self.steps = job.steps.map(StepJSON.init)
        (self.inputFileIDs, self.outputFileIDs, self.thumbnailFileIDs) = (
            job.inputBlobIds, job.outputBlobIds, job.thumbnailBlobIds
        )
        (self.progress, self.progressMessage, self.attempts, self.maxAttempts) = (
            job.progressPercent, job.progressMessage, job.attempts, job.maxAttempts
        )
        self.error = job.lastError.isEmpty ? nil : job.lastError
        (self.quotedCredits, self.chargedCredits) = (job.quotedCredits, job.chargedCredits)
        self.result = job.resultJson.isEmpty ? nil : job.resultJson
        self.createdAt = rfc3339(job.createdAt)
        self.updatedAt = rfc3339(job.updatedAt)
        self.startedAt = job.hasStartedAt ? rfc3339(job.startedAt) : nil
        self.finishedAt = job.hasFinishedAt ? rfc3339(job.finishedAt) : nil
        self.ownerID = admin ? job.ownerID : nil
        self.worker = admin && !job.worker.isEmpty ? job.worker : nil
        self.teamID = job.payerID.isEmpty ? nil : job.payerID
        self.favourite = job.favourite
        self.title = job.title
    }

    enum CodingKeys: String, CodingKey {
        case id, status, tool, lane, credits, steps, progress, attempts, error, result, worker, favourite, title
        case batchID = "batch_id"
        case inputFileIDs = "input_file_ids"
        case outputFileIDs = "output_file_ids"
        case thumbnailFileIDs = "thumbnail_file_ids"
        case progressMessage = "progress_message"
        case maxAttempts = "max_attempts"
        case quotedCredits = "quoted_credits"
        case chargedCredits = "charged_credits"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case ownerID = "owner_id"
        case teamID = "team_id"
    }
}

struct BatchJSON: Encodable {
    let id, status, tool, lane: String
    let jobCount, progress: UInt32
    let jobsByStatus: [String: UInt32]
    let quotedCredits, chargedCredits: Int64
    let outputFileIDs: [String]
    let createdAt: String?

    init(_ batch: JobsBatch) {
        (self.id, self.status, self.tool, self.lane) = (batch.batchID, batch.status, batch.tool, batch.lane)
        (self.jobCount, self.progress, self.jobsByStatus) = (
            batch.jobCount, batch.progressPercent, batch.jobsByStatus
        )
        (self.quotedCredits, self.chargedCredits) = (batch.quotedCredits, batch.chargedCredits)
        self.outputFileIDs = batch.outputBlobIds
        self.createdAt = rfc3339(batch.createdAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, status, tool, lane, progress
        case jobCount = "job_count"
        case jobsByStatus = "jobs_by_status"
        case quotedCredits = "quoted_credits"
        case chargedCredits = "charged_credits"
        case outputFileIDs = "output_file_ids"
        case createdAt = "created_at"
    }
}

struct BatchQuoteJSON: Encodable {
    let totalCredits, availableCredits: Int64
    let priceListVersion, jobCount: UInt32
    let tool, lane: String
    let sufficient: Bool

    init(_ quote: JobsQuoteBatchResponse) {
        (self.totalCredits, self.availableCredits) = (quote.totalCredits, quote.availableCredits)
        (self.priceListVersion, self.jobCount, self.tool, self.lane) = (
            quote.priceListVersion, quote.jobCount, quote.tool, quote.lane
        )
        self.sufficient = quote.availableCredits >= quote.totalCredits
    }

    enum CodingKeys: String, CodingKey {
        case tool, lane, sufficient
        case totalCredits = "total_credits"
        case availableCredits = "available_credits"
        case priceListVersion = "price_list_version"
        case jobCount = "job_count"
    }
}

/// POST /api/v1/jobs and /api/v1/batches (and the quote): the checklist and its inputs.
struct SubmitBody: Decodable {
    var inputFileIDs: [String]?
    var inputFileID: String?
    var steps: [StepJSON]
    var lane: String?
    var deleteOriginals: Bool?
    var deadlineSeconds: UInt32?
    /// Pay from this team's balance (the caller must be a member).
    var teamID: String?

    var inputs: [String] { (self.inputFileIDs ?? []) + (self.inputFileID.map { [$0] } ?? []) }

    /// The restoration plan keeps no originals unless asked: a checklist that restores or
    /// colourises deletes its inputs once the job succeeded, when `delete_originals` is absent.
    var deletesOriginals: Bool {
        self.deleteOriginals
            ?? self.steps.contains {
                ["restoration", "colourization"].contains(OperationCatalog.named($0.operation)?.name)
            }
    }

    func job(key: String, payer: TeamPayers.Payer? = nil) -> JobsSubmitJobRequest {
        var call = JobsSubmitJobRequest()
        if let payer {
            call.payerID = payer.teamID
            if let limit = payer.monthlyLimit { call.spenderMonthlyLimit = limit }
        }
        call.inputBlobIds = self.inputs
        call.steps = self.steps.map(\.message)
        call.lane = self.lane ?? ""
        call.deleteOriginals = self.deletesOriginals
        call.deadlineSeconds = self.deadlineSeconds ?? 0
        call.idempotencyKey = key
        return call
    }

    func batch(key: String, payer: TeamPayers.Payer? = nil) -> JobsSubmitBatchRequest {
        var call = JobsSubmitBatchRequest()
        if let payer {
            call.payerID = payer.teamID
            if let limit = payer.monthlyLimit { call.spenderMonthlyLimit = limit }
        }
        call.inputBlobIds = self.inputs
        call.steps = self.steps.map(\.message)
        call.lane = self.lane ?? ""
        call.deleteOriginals = self.deletesOriginals
        call.deadlineSeconds = self.deadlineSeconds ?? 0
        call.idempotencyKey = key
        return call
    }

    enum CodingKeys: String, CodingKey {
        case steps, lane
        case inputFileIDs = "input_file_ids"
        case inputFileID = "input_file_id"
        case deleteOriginals = "delete_originals"
        case deadlineSeconds = "deadline_seconds"
        case teamID = "team_id"
    }
}

struct WebhookJSON: Encodable {
    let id, url: String
    let events: [String]
    let secret: String?
    let createdAt: String?
    let previousSecretExpiresAt: String?

    init(_ webhook: JobsWebhook) {
        (self.id, self.url, self.events) = (webhook.webhookID, webhook.url, webhook.events)
        self.secret = webhook.secret.isEmpty ? nil : webhook.secret
        self.createdAt = rfc3339(webhook.createdAt)
        self.previousSecretExpiresAt =
            webhook.hasPreviousSecretExpiresAt ? rfc3339(webhook.previousSecretExpiresAt) : nil
    }

    enum CodingKeys: String, CodingKey {
        case id, url, events, secret
        case createdAt = "created_at"
        case previousSecretExpiresAt = "previous_secret_expires_at"
    }
}

struct WebhookBody: Decodable {
    var url: String
    var events: [String]?
}

struct DeliveryJSON: Encodable {
    let id: Int64
    let messageID, event, status: String
    let attempts, lastStatusCode: UInt32
    let lastError: String?
    let payload: String
    let createdAt, nextAttemptAt: String?

    init(_ delivery: JobsDelivery) {
        (self.id, self.event, self.status, self.attempts) = (
            delivery.deliveryID, delivery.event, delivery.status, delivery.attempts
        )
        self.messageID = delivery.messageID
        self.lastStatusCode = delivery.lastStatusCode
        self.lastError = delivery.lastError.isEmpty ? nil : delivery.lastError
        self.payload = delivery.payload
        self.createdAt = rfc3339(delivery.createdAt)
        self.nextAttemptAt = delivery.hasNextAttemptAt ? rfc3339(delivery.nextAttemptAt) : nil
    }

    enum CodingKeys: String, CodingKey {
        case id, event, status, attempts, payload
        case messageID = "message_id"
        case lastStatusCode = "last_status_code"
        case lastError = "last_error"
        case createdAt = "created_at"
        case nextAttemptAt = "next_attempt_at"
    }
}

struct LaneJSON: Encodable {
    let lane: String
    let queued, running: UInt32
    let oldestWaitSeconds: Double

    init(_ depth: JobsLaneDepth) {
        (self.lane, self.queued, self.running, self.oldestWaitSeconds) = (
            depth.lane, depth.queued, depth.running, depth.oldestWaitSeconds
        )
    }

    enum CodingKeys: String, CodingKey {
        case lane, queued, running
        case oldestWaitSeconds = "oldest_wait_seconds"
    }
}
