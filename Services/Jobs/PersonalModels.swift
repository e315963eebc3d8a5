import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// A personal model's row (migration 0013): what the worker trains and what generation loads.
struct PersonalModelRecord: Sendable {
    let id: UUID
    let ownerID: String
    let name: String
    let triggerWord: String
    let trainerModelID: String
    let providerID: String
    let photoIDs: [String]
    let status: String
    let providerJobID: String?
    let reference: String
    let parameters: [String: String]
    let error: String
}

/// Personal models: created with their train_model job, trained by the worker, listed, read and
/// deleted by their owner only (anyone else's id is NOT_FOUND, as for jobs).
struct PersonalModels: Sendable {
    let database: PostgresPool
    let storage: StorageAccess

    static let columns = """
        m.id, m.owner_id, m.name, m.trigger_word, m.trainer_model_id, m.provider_id, m.photo_ids, m.status,
        m.provider_job_id, m.reference, m.parameters::text AS parameters, m.error,
        (extract(epoch FROM m.created_at) * 1000000)::bigint AS created_us,
        (extract(epoch FROM m.finished_at) * 1000000)::bigint AS finished_us
        """

    /// The row of a train_model job, made at submission and again (harmlessly) when a worker starts it.
    func create(
        id: UUID, owner: String, name: String, triggerWord: String, trainer: JobsAIModel, photos: [String]
    ) async throws {
        try await self.database.execute(
            """
            INSERT INTO personal_models (id, owner_id, name, trigger_word, trainer_model_id, provider_id, photo_ids)
            VALUES ($1, $2, $3, $4, $5, $6, $7::text[]) ON CONFLICT (id) DO NOTHING
            """,
            [id, owner, name, triggerWord, trainer.id, trainer.providerID, PostgresTextArray.literal(photos)])
    }

    func record(_ id: UUID, owner: String) async throws -> PersonalModelRecord? {
        try await self.database.query(
            "SELECT \(Self.columns) FROM personal_models m WHERE m.id = $1 AND m.owner_id = $2", [id, owner]
        ).first.map(Self.record)
    }

    /// A ready model of `owner`, for generation; NOT_FOUND otherwise (another's, deleted, training).
    func ready(_ text: String, owner: String) async throws -> PersonalModelRecord {
        guard let id = UUID(uuidString: text), let model = try await self.record(id, owner: owner),
            model.status != "deleted"
        else {
            throw failure.error(
                .notFound, "personal_model_not_found", "no personal model \(text.prefix(36))",
                field: "parameters.personal_model")
        }
        guard model.status == "ready" else {
            throw failure.error(
                .failedPrecondition, "personal_model_not_ready", "personal model \(text.prefix(36)) is \(model.status)",
                field: "parameters.personal_model")
        }
        return model
    }

    func startedTraining(_ id: UUID, providerJobID: String) async throws {
        try await self.database.execute(
            "UPDATE personal_models SET provider_job_id = $2 WHERE id = $1 AND provider_job_id IS NULL",
            [id, providerJobID])
    }

    /// Records how training ended; a model that became ready is told to its owner.
    func finished(
        _ id: UUID, status: String, reference: String = "", parameters: [String: String] = [:], error: String = ""
    )
        async throws
    {
        // A model that became ready is told to its owner (NoticeSender), in the same statement.
        try await self.database.execute(
            """
            WITH done AS (
                UPDATE personal_models SET status = $2, reference = $3, parameters = $4::jsonb, error = $5, finished_at = now()
                WHERE id = $1 AND status = 'training' RETURNING id, owner_id, name, status
            )
            INSERT INTO notices (owner_id, kind, event_key, params)
            SELECT owner_id, 'model_trained', 'model-trained:' || id, jsonb_build_object('model_id', id, 'name', name)
            FROM done WHERE status = 'ready'
            ON CONFLICT (event_key) DO NOTHING
            """, [id, status, reference, try PostgresJSON.text(parameters), String(error.prefix(500))])
    }

    func list(_ caller: RPCCaller) async throws -> JobsListPersonalModelsResponse {
        var response = JobsListPersonalModelsResponse()
        response.models = try await self.database.query(
            """
            SELECT \(Self.columns), j.status AS job_status, j.progress_percent, j.last_error
            FROM personal_models m LEFT JOIN jobs j ON j.id = m.id
            WHERE m.owner_id = $1 AND m.status <> 'deleted' ORDER BY m.created_at DESC LIMIT 200
            """, [caller.id]
        ).map(Self.message)
        return response
    }

    func get(_ caller: RPCCaller, _ text: String) async throws -> JobsPersonalModel {
        let id = try failure.parseID(text, "personal model")
        guard
            let row = try await self.database.query(
                """
                SELECT \(Self.columns), j.status AS job_status, j.progress_percent, j.last_error
                FROM personal_models m LEFT JOIN jobs j ON j.id = m.id
                WHERE m.id = $1 AND m.owner_id = $2 AND m.status <> 'deleted'
                """, [id, caller.id]
            ).first
        else { throw failure.notFound("personal model") }
        return try Self.message(row)
    }

    /// Marks the model deleted and deletes its training photos; the caller cancels a training job
    /// still under way (JobsService.deletePersonalModel).
    func delete(_ caller: RPCCaller, _ id: UUID) async throws -> [String] {
        let rows = try await self.database.query(
            "UPDATE personal_models SET status = 'deleted', reference = '', parameters = '{}' WHERE id = $1 AND owner_id = $2 AND status <> 'deleted' RETURNING photo_ids",
            [id, caller.id])
        guard let row = rows.first else { throw failure.notFound("personal model") }
        let photos = try PostgresTextArray.plainElements(try row.decode("photo_ids"))
        for photo in photos {
            do {
                try await self.storage.delete(photo, owner: caller.id)
            } catch let error as RPCError where error.code == .notFound {
                continue  // deleted by the user already
            }
        }
        return photos
    }

    static func record(_ row: PostgresRow) throws -> PersonalModelRecord {
        PersonalModelRecord(
            id: try row.decode("id"), ownerID: try row.decode("owner_id"), name: try row.decode("name"),
            triggerWord: try row.decode("trigger_word"), trainerModelID: try row.decode("trainer_model_id"),
            providerID: try row.decode("provider_id"),
            photoIDs: try PostgresTextArray.plainElements(try row.decode("photo_ids")),
            status: try row.decode("status"),
            providerJobID: try row.decodeIfPresent("provider_job_id"), reference: try row.decode("reference"),
            parameters: try row.decodeJSON("parameters"), error: try row.decode("error"))
    }

    /// The model as its owner sees it: while its row says training, its job's state decides
    /// (a job that failed or was canceled before the worker noted it).
    static func message(_ row: PostgresRow) throws -> JobsPersonalModel {
        let record = try Self.record(row)
        var model = JobsPersonalModel()
        model.id = record.id.lowercasedText
        model.name = record.name
        model.triggerWord = record.triggerWord
        model.photoIds = record.photoIDs
        model.trainerModelID = record.trainerModelID
        model.status = record.status
        model.error = record.error
        let job: String? = try row.decodeIfPresent("job_status")
        if record.status == "training", let job {
            switch job {
            case "failed", "expired":
                model.status = "failed"
                model.error = try row.decodeIfPresent("last_error") ?? ""
            case "canceled": model.status = "canceled"
            default: model.progressPercent = UInt32(try row.decodeIfPresent("progress_percent", as: Int.self) ?? 0)
            }
        }
        if record.status == "ready" { model.progressPercent = 100 }
        model.createdAt = .micros(try row.decode("created_us"))
        if let finished: Int64 = try row.decodeIfPresent("finished_us") { model.finishedAt = .micros(finished) }
        return model
    }
}

extension JobsService {
    /// Cancels a training still under way (its hold released), then deletes the model and its photos.
    func deletePersonalModel(_ caller: RPCCaller, _ text: String) async throws -> JobsPersonalModel {
        let models = self.submissions.personalModels
        var model = try await models.get(caller, text)
        if model.status == "training" { _ = try await self.cancelJob(caller, model.id) }
        _ = try await models.delete(caller, try failure.parseID(model.id, "personal model"))
        model.status = "deleted"
        return model
    }
}
