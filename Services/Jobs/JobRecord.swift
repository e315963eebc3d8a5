import Foundation
import ImageSwissProtos
import Postgres

/// Rows of `jobs` and `batches` in their wire form.
enum JobRecord {
    /// Where jobs are read from: `jobs j` beside `q`, its queue row while one of its runs holds it.
    /// A claim writes only the queue row (Jobs migration 9), so a running job's own row still says
    /// `queued`; its status, worker, attempt under way, start and message come from here. The
    /// condition on `j.status` keeps final jobs (nearly all of them) from looking up the queue.
    static let source = """
        jobs j LEFT JOIN LATERAL (
            SELECT q.worker, q.started_at, q.claimed_at FROM job_queue q WHERE q.job_id = j.id AND j.status = 'queued' AND q.worker IS NOT NULL
        ) q ON true
        """

    /// Whether the job's owner starred it (Jobs migration 19).
    static let favourite = "EXISTS (SELECT 1 FROM favourites f WHERE f.job_id = j.id)"

    /// A job's status as its readers see it.
    static let status = "CASE WHEN q.worker IS NULL THEN j.status ELSE 'running' END"

    /// The columns every query selecting jobs from `source` names.
    static let columns = Self.columns(
        status: Self.status,
        message: "CASE WHEN q.worker IS NOT NULL AND j.progress_percent = 0 THEN 'running' ELSE j.progress_message END",
        attempts: "j.attempts + (q.worker IS NOT NULL)::integer", worker: "q.worker",
        started: "coalesce(j.started_at, q.started_at)", updated: "greatest(j.updated_at, q.claimed_at)",
        favourite: Self.favourite)

    /// The same columns of a job just inserted (`jobs j` alone: it has not run).
    static let insertedColumns = Self.columns(
        status: "j.status", message: "j.progress_message", attempts: "j.attempts", worker: "NULL::text",
        started: "j.started_at", updated: "j.updated_at", favourite: "false")

    private static func columns(
        status: String, message: String, attempts: String, worker: String, started: String, updated: String,
        favourite: String
    ) -> String {
        """
        j.id, j.owner_id, j.batch_id, j.tool, j.steps::text AS steps, j.input_blob_ids::text AS inputs,
        j.output_blob_ids::text AS outputs, j.thumbnail_blob_ids::text AS thumbnails, j.result_json, j.lane, \(status) AS status,
        j.progress_percent, \(message) AS progress_message, \(attempts) AS attempts, j.max_attempts, j.last_error, j.quoted_credits,
        j.charged_credits, j.credits, j.payer_id, \(worker) AS worker,
        (extract(epoch FROM j.created_at) * 1000000)::bigint AS created_us,
        (extract(epoch FROM \(started)) * 1000000)::bigint AS started_us,
        (extract(epoch FROM j.finished_at) * 1000000)::bigint AS finished_us,
        (extract(epoch FROM \(updated)) * 1000000)::bigint AS updated_us, \(favourite) AS favourite, j.title
        """
    }

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
        job.payerID = try row.decodeIfPresent("payer_id") ?? ""
        if showWorker { job.worker = try row.decodeIfPresent("worker") ?? "" }
        job.favourite = try row.decode("favourite")
        job.title = try row.decode("title")
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
        return String(
            decoding: try encoder.encode(steps.map { Step(operation: $0.operation, parameters: $0.parameters) }),
            as: UTF8.self)
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
