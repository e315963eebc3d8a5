import Foundation
import ImageSwissProtos
import RPC
import ServiceRuntime

/// WatchBatch, what a batch page shows as it happens: the batch and every job, then at each change
/// the batch and the jobs that changed, until the batch is final. It listens on each of the batch's
/// jobs (at most JOBS_MAX_BATCH_INPUTS) before its first read, so a change between the two is not
/// missed; the notifier's periodic tick bounds how late a change from another process can be.
extension JobsService {
    func watchBatch(_ caller: RPCCaller, _ id: String, send: (JobsBatchEvent) async throws -> Void) async throws {
        let batchID = try failure.parseID(id, "batch")
        let owner = Self.scope(caller)
        try await self.requireBatch(batchID, owner: owner)
        let ids = try await self.database.query("SELECT id FROM jobs WHERE batch_id = $1", [batchID]).map {
            try $0.decode("id", as: UUID.self).lowercasedText
        }
        let notifications = self.queue.notifications
        let (changes, token) = notifications.watch(ids: ids)
        defer { notifications.unwatch(ids: ids, token) }

        var batch = try await self.batch(batchID, owner: owner)
        var event = JobsBatchEvent()
        event.batch = batch
        event.jobs = try await self.jobs(ofBatch: batchID, owner: owner)
        var seen = Dictionary(uniqueKeysWithValues: event.jobs.map { ($0.jobID, WatchedJob($0)) })
        try await send(event)
        var changesIterator = changes.makeAsyncIterator()
        while Self.isLive(batch), await changesIterator.next() != nil {
            let now = try await self.batch(batchID, owner: owner)
            let changed = try await self.jobs(ofBatch: batchID, owner: owner).filter {
                seen[$0.jobID] != WatchedJob($0)
            }
            guard !changed.isEmpty || now.status != batch.status || now.progressPercent != batch.progressPercent
            else { continue }
            for job in changed { seen[job.jobID] = WatchedJob(job) }
            batch = now
            event.batch = now
            event.jobs = changed
            try await send(event)
        }
    }

    static func isLive(_ batch: JobsBatch) -> Bool { batch.status == "queued" || batch.status == "running" }

    private func jobs(ofBatch id: UUID, owner: String?) async throws -> [JobsJob] {
        try await self.database.query(
            "SELECT \(JobRecord.columns) FROM \(JobRecord.source) WHERE j.batch_id = $1 ORDER BY j.fair_seq", [id]
        ).map { try JobRecord.job($0, showWorker: owner == nil) }
    }
}

/// What a watcher is told about again when it changes.
private struct WatchedJob: Equatable {
    let status: String
    let progress: UInt32
    let message: String
    let attempts: UInt32

    init(_ job: JobsJob) {
        self.status = job.status
        self.progress = job.progressPercent
        self.message = job.progressMessage
        self.attempts = job.attempts
    }
}
