import Crypto
import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime
import Telemetry

/// Turning a checklist into queued jobs: validate the operations and the inputs (the caller's own
/// images), price them with Billing's quote, hold each job's cost, then insert every job at once.
///
/// Nothing is written before everything is known to be valid and paid for; a refusal leaves no job
/// and no hold. Ids derive from (caller, idempotency key), and so do the holds' keys, so a retry
/// after a crash at any point finds the same holds and the same jobs.
struct Submissions: Sendable {
    let database: PostgresPool
    let billing: RPCClient
    let storage: StorageAccess
    let catalogue: AICatalogue
    let personalModels: PersonalModels
    let configuration: JobsConfiguration
    let notifications: JobNotifications
    let tiers: TierCache

    /// One job's share of a plan.
    struct PlannedJob: Sendable {
        let id: UUID
        let inputs: [String]
        let credits: Int64
        let title: String
    }

    struct Plan: Sendable {
        let tool: Tool
        let lane: String
        let tier: BillingTier
        let jobs: [PlannedJob]
        let quote: BillingPriceQuote
        let payer: Payer
    }

    /// A UUID named by its parts (SHA-256, version-4 layout): the same submission, the same id.
    static func derivedID(_ parts: String...) -> UUID {
        var bytes = Array(SHA256.hash(data: Data(parts.joined(separator: "\u{1F}").utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }

    /// Validates and prices a submission; `single` is one job (SubmitJob), otherwise a batch.
    func plan(
        _ caller: RPCCaller, inputs: [String], steps: [JobsStep], lane requested: String, single: Bool, key: String,
        payer: Payer
    ) async throws -> Plan {
        let tool = try Tool(
            steps, maxSteps: self.configuration.maxSteps, catalogue: try await self.catalogue.snapshot(),
            personal: try await self.personalModel(named: steps, owner: caller.id))
        let lane = requested.isEmpty ? "batch" : requested
        guard lane == "batch" || lane == "fast" else { throw failure.invalid("lane", "lane is fast or batch") }
        guard inputs.count <= self.configuration.maxBatchInputs else {
            throw failure.error(
                .invalidArgument, "batch_too_large",
                "a batch takes at most \(self.configuration.maxBatchInputs) inputs", field: "input_blob_ids")
        }
        guard Set(inputs).count == inputs.count else {
            throw failure.invalid("input_blob_ids", "an input is named twice")
        }
        var groups: [[String]]
        if tool.deduplicate {
            guard inputs.count >= 2 else {
                throw failure.invalid("input_blob_ids", "deduplicate compares at least 2 pictures")
            }
            groups = [inputs]
        } else if tool.training != nil {
            let photos = self.configuration.trainingPhotos
            guard photos.contains(inputs.count) else {
                throw failure.error(
                    .invalidArgument, "training_photos",
                    "a personal model learns from \(photos.lowerBound) to \(photos.upperBound) photos, not \(inputs.count)",
                    field: "input_blob_ids")
            }
            groups = [inputs]
        } else if inputs.isEmpty {
            guard tool.acceptsNoInput else {
                throw failure.invalid("input_blob_ids", "name the pictures to work on")
            }
            groups = [[]]
        } else {
            guard !single || inputs.count == 1 else {
                throw failure.invalid("input_blob_ids", "a job takes one picture; submit a batch for several")
            }
            groups = inputs.map { [$0] }
        }
        // Every input must be the caller's own picture: Storage answers NOT_FOUND for anyone else's.
        let blobs = try await self.inputs(inputs, owner: caller.id)
        if tool.training != nil { try self.checkTrainingPhotos(inputs.compactMap { blobs[$0] }) }
        for mask in tool.maskFileIDs
        where try await self.storage.blobs([mask], owner: caller.id)[mask.lowercased()] == nil {
            throw failure.error(
                .notFound, "mask_not_found", "mask \(mask.prefix(64)) not found", field: "parameters.mask_file_id")
        }
        // The payer's tier decides priority and resolution: a team's members get what the team pays for.
        let options = payer.options
        let tier = try await self.tiers.tier(of: payer.account) {
            try await self.billing.unary(BillingMethods.getTier, BillingGetTierRequest(), options: options)
        }
        // Jobs of the same size share a quote item; Billing's lines come back in the items' order.
        var itemIndex: [UInt64: Int] = [:]
        var quoteRequest = BillingQuoteRequest()
        quoteRequest.lane = lane
        var jobItems: [Int] = []
        for group in groups {
            let megapixels = group.reduce(UInt64(0)) {
                $0 + UInt64(blobs[$1]!.width) * UInt64(blobs[$1]!.height) / 1000
            }
            if let index = itemIndex[megapixels] {
                quoteRequest.items[index].count += 1
                jobItems.append(index)
            } else {
                var item = BillingQuoteItem()
                item.operations = tool.billingOperations
                item.fixedCredits = tool.fixedCredits
                item.outputs = UInt32(tool.outputs)
                item.count = 1
                item.megapixelsMilli = megapixels
                itemIndex[megapixels] = quoteRequest.items.count
                jobItems.append(quoteRequest.items.count)
                quoteRequest.items.append(item)
            }
        }
        let quote = try await self.billing.unary(BillingMethods.quote, quoteRequest, options: options)
        guard quote.lines.count == quoteRequest.items.count else {
            throw RPCError(.internal, "billing's quote does not match the request")
        }
        let jobs = groups.enumerated().map { index, group in
            PlannedJob(
                id: single
                    ? Self.derivedID("job", caller.id, key) : Self.derivedID("batch-job", caller.id, key, "\(index)"),
                inputs: group, credits: quote.lines[jobItems[index]].unitCredits,
                title: Self.title(of: group.first.flatMap { blobs[$0] }, steps: tool.steps))
        }
        return Plan(tool: tool, lane: lane, tier: tier, jobs: jobs, quote: quote, payer: payer)
    }

    /// What the gallery shows and searches: the first input's file name, or else the prompt.
    static func title(of input: StorageBlob?, steps: [JobsStep]) -> String {
        let title = input?.displayName ?? steps.lazy.compactMap { $0.parameters["prompt"] }.first ?? ""
        return String(title.prefix(Self.maxTitleLength))
    }

    static let maxTitleLength = 200

    /// The ready personal model a generate_with_model step names (the caller's own), or nil.
    private func personalModel(named steps: [JobsStep], owner: String) async throws -> PersonalModelRecord? {
        guard let id = steps.first(where: { $0.operation == "generate_with_model" })?.parameters["personal_model"]
        else { return nil }
        return try await self.personalModels.ready(id, owner: owner)
    }

    /// Training photos are uploads of purpose training, JPEG, PNG or WebP, with a short side of at
    /// least JOBS_TRAINING_MIN_SIDE and at most JOBS_TRAINING_MAX_PHOTO_BYTES each.
    private func checkTrainingPhotos(_ photos: [StorageBlob]) throws {
        for photo in photos {
            let problem: String? =
                if photo.purpose != "training" {
                    "was not uploaded as a training photo (purpose=training)"
                } else if !["image/jpeg", "image/png", "image/webp"].contains(photo.contentType) {
                    "is \(photo.contentType); training takes JPEG, PNG or WebP"
                } else if min(photo.width, photo.height) < UInt32(self.configuration.trainingMinSide) {
                    "is \(photo.width)×\(photo.height); its short side needs \(self.configuration.trainingMinSide) pixels"
                } else if photo.byteSize > UInt64(self.configuration.trainingMaxPhotoBytes) {
                    "is over \(self.configuration.trainingMaxPhotoBytes) bytes"
                } else {
                    nil
                }
            if let problem {
                throw failure.error(
                    .invalidArgument, "training_photos", "\(photo.blobID) \(problem)", field: "input_blob_ids")
            }
        }
    }

    /// The inputs' metadata keyed by the ids as the caller wrote them (Storage answers ids in lower
    /// case), in one GetBlobs call per 500.
    private func inputs(_ ids: [String], owner: String) async throws -> [String: StorageBlob] {
        let found = try await self.storage.blobs(ids, owner: owner)
        var blobs: [String: StorageBlob] = [:]
        for id in ids {
            guard let blob = found[id.lowercased()] else {
                throw failure.error(
                    .notFound, "input_not_found", "input \(id.prefix(64)) not found", field: "input_blob_ids")
            }
            guard blob.contentType.hasPrefix("image/") else {
                throw failure.error(
                    .invalidArgument, "input_not_image", "\(id.prefix(64)) is \(blob.contentType), not a picture",
                    field: "input_blob_ids")
            }
            blobs[id] = blob
        }
        return blobs
    }

    /// Holds each priced job's cost, up to `Settlement.holdsPerCall` holds per PlaceHolds call; on a
    /// refusal, releases what it held and passes the (first) refusal on.
    func hold(_ plan: Plan) async throws -> [UUID: String] {
        let options = plan.payer.options
        let priced = plan.jobs.filter { $0.credits > 0 }
        var held: [UUID: String] = [:]
        do {
            for chunk in priced.chunks(of: Settlement.holdsPerCall) {
                var request = BillingPlaceHoldsRequest()
                request.holds = chunk.map { job in
                    var hold = BillingHoldRequest()
                    hold.amount = job.credits
                    hold.reference = job.id.lowercasedText
                    hold.operation = plan.tool.name
                    hold.idempotencyKey = "job:\(job.id.lowercasedText):hold"
                    plan.payer.sign(&hold)
                    return hold
                }
                let outcomes = try await self.billing.unary(BillingMethods.placeHolds, request, options: options)
                    .outcomes
                var refusal: RPCError?
                for (job, outcome) in zip(chunk, outcomes) {
                    if outcome.hasRefusal {
                        refusal = refusal ?? outcome.refusal.error
                    } else if outcome.hold.state != "open" {
                        refusal =
                            refusal
                            ?? failure.error(
                                .aborted, "submission_abandoned",
                                "this submission was abandoned earlier; submit again with a new idempotency key")
                    } else {
                        held[job.id] = outcome.hold.holdID
                    }
                }
                if let refusal { throw refusal }
            }
        } catch {
            await self.release(held, payer: plan.payer.account)
            throw error
        }
        return held
    }

    /// Returns holds placed for a submission that did not go ahead (best effort: unresolved holds
    /// also expire in Billing).
    func release(_ holds: [UUID: String], payer: String) async {
        let items = holds.map { job, hold in
            var release = BillingReleaseRequest()
            release.holdID = hold
            release.idempotencyKey = "job:\(job.lowercasedText):release"
            var item = BillingSettlement()
            item.release = release
            return item
        }
        for chunk in items.chunks(of: Settlement.holdsPerCall) {
            var request = BillingSettleHoldsRequest()
            request.items = Array(chunk)
            _ = try? await self.billing.unary(
                BillingMethods.settleHolds, request, options: Settlement.options(for: payer))
        }
    }

    /// Inserts the plan's jobs (and their batch, and their queue rows), numbered for fair queuing,
    /// in one statement (`SubmissionStatements`) — one round trip and one commit for a submission of
    /// any size. Answers a single job's row (JobRecord); a batch is read back as a batch.
    @discardableResult
    func insert(
        _ plan: Plan, holds: [UUID: String], owner: String, batch: (id: UUID, key: String, request: [UInt8])?,
        job: (key: String, request: [UInt8])?, deleteOriginals: Bool, deadlineSeconds: UInt32
    ) async throws -> [PostgresRow] {
        let deadline =
            deadlineSeconds == 0
            ? self.configuration.defaultDeadline.components.seconds
            : min(Int64(deadlineSeconds), self.configuration.maxDeadline.components.seconds)
        let paid = plan.tier.priority
        let priority = (plan.lane == "fast" ? 0 : 2) + (paid ? 0 : 1)
        let statement = job == nil ? SubmissionStatements.insertBatch : SubmissionStatements.insertJob
        let rows = try await self.database.query(
            statement,
            [
                owner, batch?.id, plan.tool.name, try StepsJSON.encode(plan.tool.steps), plan.lane, plan.tier.tierID,
                priority,
                plan.jobs.count, Int(plan.tier.maxOutputPixels), deleteOriginals, self.configuration.maxAttempts,
                deadline, job?.key, job?.request,
                PostgresTextArray.literal(plan.jobs.map { $0.id.lowercasedText }),
                PostgresTextArray.literal(plan.jobs.map { PostgresTextArray.literal($0.inputs) }),
                "{" + plan.jobs.map { String($0.credits) }.joined(separator: ",") + "}",
                PostgresTextArray.literal(plan.jobs.map { holds[$0.id] ?? "" }),
                plan.jobs.reduce(0) { $0 + $1.credits }, batch?.key, batch?.request, plan.payer.column,
                Telemetry.current?.header, PostgresTextArray.literal(plan.jobs.map(\.title)),
            ])
        if let training = plan.tool.training, let job = plan.jobs.first {
            try await self.personalModels.create(
                id: job.id, owner: owner, name: training.name, triggerWord: training.triggerWord,
                trainer: training.trainer, photos: job.inputs)
        }
        self.notifications.queued()
        return rows
    }
}

/// Callers' tiers from Billing, kept for a few seconds: a submission needs the tier (priority and
/// resolution cap) and asking Billing each time costs a locked transaction there. An upgrade is
/// seen by submissions within `lifetime`.
struct TierCache: Sendable {
    private let entries = ExpiringCache<BillingTier>(capacity: 10_000)
    let lifetime: Duration

    init(lifetime: Duration) { self.lifetime = lifetime }

    func tier(of owner: String, _ load: () async throws -> BillingTier) async throws -> BillingTier {
        if let tier = self.entries.value(for: owner) { return tier }
        let tier = try await load()
        self.entries.store(tier, for: owner, until: .now + self.lifetime)
        return tier
    }
}
