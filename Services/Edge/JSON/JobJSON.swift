import Foundation
import ImageSwissProtos
import Operations

// The JSON shapes of /api/v1/jobs, /api/v1/batches and /api/v1/webhooks. snake_case; times in RFC 3339.

struct StepJSON: Codable {
    var operation: String
    var parameters: [String: String]?

    init(_ step: JobsStep) {
        self.operation = step.operation
        self.parameters = step.parameters.isEmpty ? nil : step.parameters
    }

    private enum CodingKeys: String, CodingKey { case operation, parameters }

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
    let batch_id: String?
    let steps: [StepJSON]
    let input_file_ids, output_file_ids, thumbnail_file_ids: [String]
    let progress: UInt32
    let progress_message: String
    let attempts, max_attempts: UInt32
    let error: String?
    let quoted_credits, charged_credits: Int64
    let result: String?
    let created_at, updated_at, started_at, finished_at: String?
    let owner_id, worker: String?
    /// The team that paid, when a team did.
    let team_id: String?

    init(_ job: JobsJob, admin: Bool = false) {
        (self.id, self.status, self.tool, self.lane, self.credits) = (
            job.jobID, job.status, job.tool, job.lane, job.credits
        )
        self.batch_id = job.batchID.isEmpty ? nil : job.batchID
        self.steps = job.steps.map(StepJSON.init)
        (self.input_file_ids, self.output_file_ids, self.thumbnail_file_ids) = (
            job.inputBlobIds, job.outputBlobIds, job.thumbnailBlobIds
        )
        (self.progress, self.progress_message, self.attempts, self.max_attempts) = (
            job.progressPercent, job.progressMessage, job.attempts, job.maxAttempts
        )
        self.error = job.lastError.isEmpty ? nil : job.lastError
        (self.quoted_credits, self.charged_credits) = (job.quotedCredits, job.chargedCredits)
        self.result = job.resultJson.isEmpty ? nil : job.resultJson
        self.created_at = rfc3339(job.createdAt)
        self.updated_at = rfc3339(job.updatedAt)
        self.started_at = job.hasStartedAt ? rfc3339(job.startedAt) : nil
        self.finished_at = job.hasFinishedAt ? rfc3339(job.finishedAt) : nil
        self.owner_id = admin ? job.ownerID : nil
        self.worker = admin && !job.worker.isEmpty ? job.worker : nil
        self.team_id = job.payerID.isEmpty ? nil : job.payerID
    }
}

struct BatchJSON: Encodable {
    let id, status, tool, lane: String
    let job_count, progress: UInt32
    let jobs_by_status: [String: UInt32]
    let quoted_credits, charged_credits: Int64
    let output_file_ids: [String]
    let created_at: String?

    init(_ batch: JobsBatch) {
        (self.id, self.status, self.tool, self.lane) = (batch.batchID, batch.status, batch.tool, batch.lane)
        (self.job_count, self.progress, self.jobs_by_status) = (
            batch.jobCount, batch.progressPercent, batch.jobsByStatus
        )
        (self.quoted_credits, self.charged_credits) = (batch.quotedCredits, batch.chargedCredits)
        self.output_file_ids = batch.outputBlobIds
        self.created_at = rfc3339(batch.createdAt)
    }
}

struct BatchQuoteJSON: Encodable {
    let total_credits, available_credits: Int64
    let price_list_version, job_count: UInt32
    let tool, lane: String
    let sufficient: Bool

    init(_ quote: JobsQuoteBatchResponse) {
        (self.total_credits, self.available_credits) = (quote.totalCredits, quote.availableCredits)
        (self.price_list_version, self.job_count, self.tool, self.lane) = (
            quote.priceListVersion, quote.jobCount, quote.tool, quote.lane
        )
        self.sufficient = quote.availableCredits >= quote.totalCredits
    }
}

/// POST /api/v1/jobs and /api/v1/batches (and the quote): the checklist and its inputs.
struct SubmitBody: Decodable {
    var input_file_ids: [String]?
    var input_file_id: String?
    var steps: [StepJSON]
    var lane: String?
    var delete_originals: Bool?
    var deadline_seconds: UInt32?
    /// Pay from this team's balance (the caller must be a member).
    var team_id: String?

    var inputs: [String] { (self.input_file_ids ?? []) + (self.input_file_id.map { [$0] } ?? []) }

    /// The restoration plan keeps no originals unless asked: a checklist that restores or
    /// colourises deletes its inputs once the job succeeded, when `delete_originals` is absent.
    var deleteOriginals: Bool {
        self.delete_originals
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
        call.deleteOriginals = self.deleteOriginals
        call.deadlineSeconds = self.deadline_seconds ?? 0
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
        call.deleteOriginals = self.deleteOriginals
        call.deadlineSeconds = self.deadline_seconds ?? 0
        call.idempotencyKey = key
        return call
    }
}

struct WebhookJSON: Encodable {
    let id, url: String
    let events: [String]
    let secret: String?
    let created_at: String?
    let previous_secret_expires_at: String?

    init(_ webhook: JobsWebhook) {
        (self.id, self.url, self.events) = (webhook.webhookID, webhook.url, webhook.events)
        self.secret = webhook.secret.isEmpty ? nil : webhook.secret
        self.created_at = rfc3339(webhook.createdAt)
        self.previous_secret_expires_at =
            webhook.hasPreviousSecretExpiresAt ? rfc3339(webhook.previousSecretExpiresAt) : nil
    }
}

struct WebhookBody: Decodable {
    var url: String
    var events: [String]?
}

struct DeliveryJSON: Encodable {
    let id: Int64
    let message_id, event, status: String
    let attempts, last_status_code: UInt32
    let last_error: String?
    let payload: String
    let created_at, next_attempt_at: String?

    init(_ delivery: JobsDelivery) {
        (self.id, self.event, self.status, self.attempts) = (
            delivery.deliveryID, delivery.event, delivery.status, delivery.attempts
        )
        self.message_id = delivery.messageID
        self.last_status_code = delivery.lastStatusCode
        self.last_error = delivery.lastError.isEmpty ? nil : delivery.lastError
        self.payload = delivery.payload
        self.created_at = rfc3339(delivery.createdAt)
        self.next_attempt_at = delivery.hasNextAttemptAt ? rfc3339(delivery.nextAttemptAt) : nil
    }
}

struct LaneJSON: Encodable {
    let lane: String
    let queued, running: UInt32
    let oldest_wait_seconds: Double

    init(_ depth: JobsLaneDepth) {
        (self.lane, self.queued, self.running, self.oldest_wait_seconds) = (
            depth.lane, depth.queued, depth.running, depth.oldestWaitSeconds
        )
    }
}
