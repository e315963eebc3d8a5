import Foundation
import ImageSwissProtos
import Postgres

/// Rows of `jobs` and `batches` in their wire form.
enum JobRecord {
    /// The columns every query selecting jobs names.
    static let columns = """
        j.id, j.owner_id, j.batch_id, j.tool, j.steps::text AS steps, j.input_blob_ids::text AS inputs,
        j.output_blob_ids::text AS outputs, j.thumbnail_blob_ids::text AS thumbnails, j.result_json, j.lane, j.status,
        j.progress_percent, j.progress_message, j.attempts, j.max_attempts, j.last_error, j.quoted_credits,
        j.charged_credits, j.credits, j.lease_owner,
        (extract(epoch FROM j.created_at) * 1000000)::bigint AS created_us,
        (extract(epoch FROM j.started_at) * 1000000)::bigint AS started_us,
        (extract(epoch FROM j.finished_at) * 1000000)::bigint AS finished_us,
        (extract(epoch FROM j.updated_at) * 1000000)::bigint AS updated_us
        """

    static let finalStatuses: Set<String> = ["succeeded", "failed", "canceled", "expired"]

    static func job(_ row: PostgresRow, showWorker: Bool = false) throws -> JobsJob {
        var job = JobsJob()
        job.jobID = (try row.decode("id", as: UUID.self)).lowercasedText
        job.ownerID = try row.decode("owner_id")
        job.batchID = (try row.decodeIfPresent("batch_id", as: UUID.self))?.lowercasedText ?? ""
        job.tool = try row.decode("tool")
        job.steps = try StepsJSON.decode(try row.decode("steps"))
        job.inputBlobIds = PostgresTextArray.plainElements(try row.decode("inputs"))
        job.outputBlobIds = PostgresTextArray.plainElements(try row.decode("outputs"))
        job.thumbnailBlobIds = PostgresTextArray.plainElements(try row.decode("thumbnails"))
        job.resultJson = try row.decode("result_json")
        job.lane = try row.decode("lane")
        job.status = try row.decode("status")
        job.progressPercent = UInt32(try row.decode("progress_percent", as: Int.self))
        job.progressMessage = try row.decode("progress_message")
        job.attempts = UInt32(try row.decode("attempts", as: Int.self))
        job.maxAttempts = UInt32(try row.decode("max_attempts", as: Int.self))
        job.lastError = try row.decode("last_error")
        job.quotedCredits = try row.decode("quoted_credits")
        job.chargedCredits = try row.decode("charged_credits")
        job.credits = try row.decode("credits")
        if showWorker { job.worker = try row.decodeIfPresent("lease_owner") ?? "" }
        job.createdAt = .micros(try row.decode("created_us"))
        job.updatedAt = .micros(try row.decode("updated_us"))
        if let started: Int64 = try row.decodeIfPresent("started_us") { job.startedAt = .micros(started) }
        if let finished: Int64 = try row.decodeIfPresent("finished_us") { job.finishedAt = .micros(finished) }
        return job
    }
}

/// A job's steps as stored (jsonb): [{"operation": "resize", "parameters": {"width": "512"}}].
enum StepsJSON {
    private struct Step: Codable {
        var operation: String
        var parameters: [String: String]
    }

    static func encode(_ steps: [JobsStep]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(steps.map { Step(operation: $0.operation, parameters: $0.parameters) }), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> [JobsStep] {
        try JSONDecoder().decode([Step].self, from: Data(text.utf8)).map { step in
            var message = JobsStep()
            message.operation = step.operation
            message.parameters = step.parameters
            return message
        }
    }
}
