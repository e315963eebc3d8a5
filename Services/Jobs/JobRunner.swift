import Foundation
import ImageSwissProtos
import Postgres
import RPC

/// Runs one claimed job: reads its inputs from Storage, does the work (a provider for an AI
/// operation, then ImageOps for the pipeline, or OCR, or deduplication), stores the outputs and
/// their thumbnails in Storage as the owner's results. Everything it calls is another service.
struct JobRunner: Sendable {
    let imageOps: RPCClient
    let storage: StorageAccess
    let catalogue: AICatalogue
    let personalModels: PersonalModels
    let queue: JobQueue
    let configuration: JobsConfiguration
    /// Shared by all worker loops of this process.
    let imageCalls: ImageCallLimit

    static let quietPeriod: Duration = .milliseconds(500)

    func run(_ job: ClaimedJob, worker: String, isCanceled: @escaping @Sendable () -> Bool) async throws -> JobOutcome {
        let tool: Tool
        do {
            let personal = try await job.steps.first { $0.operation == "generate_with_model" }.asyncMap {
                try await self.personalModels.ready($0.parameters["personal_model"] ?? "", owner: job.ownerID)
            }
            tool = try Tool(
                job.steps, maxSteps: .max, catalogue: try await self.catalogue.snapshot(), personal: personal)
        } catch {
            throw JobRunError.permanent("\(error)")
        }
        if tool.pauseMilliseconds > 0 { try await self.pause(tool.pauseMilliseconds, isCanceled: isCanceled) }
        if tool.deduplicate { return try await self.deduplicate(job) }
        if let training = tool.training {
            return try await self.train(job, training, worker: worker, isCanceled: isCanceled)
        }
        if let ocr = tool.ocr { return try await self.ocr(job, step: ocr) }
        if tool.ai.isEmpty && tool.pipeline.isEmpty { return JobOutcome() }  // noop

        // Progress is written only once a run has taken a while: a job done in a moment goes from
        // running to succeeded, and the database is spared two writes per job.
        let started = ContinuousClock.now
        let progress = { @Sendable (percent: Int, message: String) async throws in
            guard ContinuousClock.now - started > Self.quietPeriod else { return }
            try await self.queue.progress(job.id, worker: worker, percent: percent, message: message)
        }
        // A run holds an image-call permit from reading its picture until ImageOps answered, except
        // while an AI provider (remote, minutes) works on it.
        var input: (StorageBlob, Data)?
        var processed: [ImageOpsProcessResponse] = []
        if !tool.ai.isEmpty {
            input = try await self.readInput(job)
            var pictures = input.map { [$0.1] } ?? []
            for (index, step) in tool.ai.enumerated() {
                try await progress(30 + 30 * index / tool.ai.count, step.operation)
                if index > 0 {
                    // The next provider sees only a picture ImageOps has read, like everything we store.
                    pictures = [try await self.imageCalls.withPermit { try await self.checked(pictures[0]) }]
                }
                pictures = try await self.runProvider(
                    step,
                    ProviderRequest(
                        operation: step.operation, reference: step.route.model.reference, input: pictures.first,
                        mask: try await step.maskFileID.asyncMap { id in
                            try await self.call("reading the mask") {
                                try await self.storage.read(id, owner: job.ownerID).1
                            }
                        },
                        parameters: step.parameters, count: step.outputs),
                    job: job, isCanceled: isCanceled)
            }
            try await progress(60, "finishing")
            for image in pictures {
                processed.append(
                    try await self.imageCalls.withPermit { try await self.process(image, tool: tool, job: job) })
            }
        } else {
            processed = [
                try await self.imageCalls.withPermit {
                    input = try await self.readInput(job)
                    try await progress(30, "processing")
                    guard let image = input?.1 else { throw JobRunError.permanent("this job has no input picture") }
                    return try await self.process(image, tool: tool, job: job)
                }
            ]
        }
        try await progress(80, "storing the result")
        var outcome = JobOutcome()
        for (index, result) in processed.enumerated() {
            // The first output keeps the key it always had, so a retry after an upgrade finds it.
            let suffix = index == 0 ? "" : "-\(index + 1)"
            let name = Self.outputName(
                input: input?.0.displayName, tool: tool.name + suffix, contentType: result.contentType)
            let output = try await self.call("storing the result") {
                try await self.storage.write(
                    result.image, owner: job.ownerID, purpose: "result", name: name,
                    key: "job:\(job.id.lowercasedText):\(job.attempt):output\(suffix)")
            }
            outcome.outputs.append(output.blobID)
            outcome.thumbnails.append(try await self.thumbnail(of: result, output: output, job: job, suffix: suffix))
        }
        guard processed.count >= tool.outputs else {
            throw JobRunError.permanent(
                "the provider made \(processed.count) of the \(tool.outputs) pictures asked for")
        }
        return outcome
    }

    /// One provider run, recorded with its time and cost (provider_runs) whatever its outcome, so
    /// the spend limits and the margin report see failed runs too.
    private func runProvider(
        _ step: Tool.AIStep, _ request: ProviderRequest, job: ClaimedJob,
        isCanceled: @escaping @Sendable () -> Bool
    ) async throws -> [Data] {
        let route = step.route
        let snapshot = try await self.catalogue.snapshot()
        try await self.queue.checkSpendLimit(
            job, provider: snapshot.providers.first { $0.id == route.model.providerID },
            tierLimit: snapshot.tierLimits[job.tier])
        let started = ContinuousClock.now
        do {
            let answer = try await route.provider.run(request, isCanceled: isCanceled)
            try? await self.queue.recordProviderRun(
                job: job, model: route.model, succeeded: true,
                costMicros: answer.costMicros ?? route.model.unitCostMicros, elapsed: .now - started)
            return Array(answer.images.prefix(request.count))
        } catch {
            // A refusal before any work (4xx) costs nothing at the provider; a run that failed there may.
            try? await self.queue.recordProviderRun(
                job: job, model: route.model, succeeded: false, costMicros: 0, elapsed: .now - started)
            throw error
        }
    }

    private func readInput(_ job: ClaimedJob) async throws -> (StorageBlob, Data)? {
        guard let id = job.inputs.first else { return nil }
        return try await self.call("reading the input") { try await self.storage.read(id, owner: job.ownerID) }
    }

    /// The tool's ImageOps pipeline on `image`, under the tier's resolution cap.
    private func process(_ image: Data, tool: Tool, job: ClaimedJob) async throws -> ImageOpsProcessResponse {
        var request = ImageOpsProcessRequest()
        request.image = image
        request.steps = tool.pipeline.map { step in
            var converted = ImageOpsStep()
            converted.operation = step.operation
            converted.parameters = step.parameters
            return converted
        }
        request.maxOutputEdge = tool.capsResolution ? UInt32(job.maxOutputEdge) : 0
        if let overlay = tool.pipeline.compactMap({ $0.parameters["overlay_blob_id"] }).first {
            request.overlay = try await self.call("reading the watermark") {
                try await self.storage.read(overlay, owner: job.ownerID).1
            }
        }
        return try await self.call("processing") {
            try await self.imageOps.unary(ImageOpsMethods.process, request, options: .init(timeout: .seconds(120)))
        }
    }

    /// A provider's picture read and written again by ImageOps, as it came (no steps, no cap).
    private func checked(_ image: Data) async throws -> Data {
        var request = ImageOpsProcessRequest()
        request.image = image
        return try await self.call("reading the provider's picture") {
            try await self.imageOps.unary(ImageOpsMethods.process, request, options: .init(timeout: .seconds(120)))
        }.image
    }

    /// A gallery preview when the output is large; the output itself otherwise.
    private func thumbnail(
        of processed: ImageOpsProcessResponse, output: StorageBlob, job: ClaimedJob, suffix: String = ""
    ) async throws -> String {
        let edge = self.configuration.thumbnailEdge
        guard edge > 0, max(processed.info.width, processed.info.height) > UInt32(edge) else { return output.blobID }
        var request = ImageOpsProcessRequest()
        request.image = processed.image
        var resize = ImageOpsStep()
        resize.operation = "resize"
        resize.parameters = ["width": "\(edge / 2)", "height": "\(edge / 2)", "mode": "down"]
        var convert = ImageOpsStep()
        convert.operation = "convert"
        convert.parameters = ["format": "webp", "quality": "70"]
        request.steps = [resize, convert]
        let small = try await self.imageCalls.withPermit {
            try await self.call("making the thumbnail") {
                try await self.imageOps.unary(ImageOpsMethods.process, request)
            }
        }
        return try await self.call("storing the thumbnail") {
            try await self.storage.write(
                small.image, owner: job.ownerID, purpose: "thumbnail", name: "thumbnail.webp",
                key: "job:\(job.id.lowercasedText):\(job.attempt):thumbnail\(suffix)"
            ).blobID
        }
    }

    private func ocr(_ job: ClaimedJob, step: JobsStep) async throws -> JobOutcome {
        guard let id = job.inputs.first else { throw JobRunError.permanent("ocr needs an input picture") }
        let (blob, result) = try await self.imageCalls.withPermit {
            let (blob, data) = try await self.call("reading the input") {
                try await self.storage.read(id, owner: job.ownerID)
            }
            var request = ImageOpsOcrRequest()
            request.image = data
            request.languages = step.parameters["languages"] ?? ""
            return (
                blob,
                try await self.call("reading the text") {
                    try await self.imageOps.unary(ImageOpsMethods.ocr, request, options: .init(timeout: .seconds(120)))
                }
            )
        }
        let words: [[String: Any]] = result.words.map {
            [
                "text": $0.text, "confidence": Double($0.confidence), "left": $0.left, "top": $0.top, "width": $0.width,
                "height": $0.height,
            ]
        }
        let json = String(
            decoding: try JSONSerialization.data(
                withJSONObject: ["text": result.text, "words": words], options: [.sortedKeys]), as: UTF8.self)
        let stem = (blob.displayName as NSString).deletingPathExtension
        let output = try await self.call("storing the text") {
            try await self.storage.write(
                Data(json.utf8), owner: job.ownerID, purpose: "result",
                name: (stem.isEmpty ? "image" : stem) + ".ocr.json",
                key: "job:\(job.id.lowercasedText):\(job.attempt):output")
        }
        return JobOutcome(outputs: [output.blobID], resultJSON: json)
    }

    /// Groups near-identical pictures among the inputs (perceptual hashes compared by ImageOps).
    private func deduplicate(_ job: ClaimedJob) async throws -> JobOutcome {
        var hashes: [UInt64] = []
        for id in job.inputs {
            hashes.append(
                try await self.imageCalls.withPermit {
                    var request = ImageOpsInspectRequest()
                    request.image = try await self.call("reading an input") {
                        try await self.storage.read(id, owner: job.ownerID).1
                    }
                    return try await self.call("hashing") {
                        try await self.imageOps.unary(ImageOpsMethods.hash, request)
                    }.dhash
                })
        }
        var request = ImageOpsGroupDuplicatesRequest()
        request.hashes = hashes
        let groups = try await self.call("grouping") {
            try await self.imageOps.unary(ImageOpsMethods.groupDuplicates, request)
        }
        let named = groups.groups.map { $0.indexes.map { job.inputs[Int($0)] } }
        let json = String(
            decoding: try JSONSerialization.data(withJSONObject: ["groups": named], options: [.sortedKeys]),
            as: UTF8.self)
        return JobOutcome(resultJSON: json)
    }

    private func pause(_ milliseconds: Int, isCanceled: @Sendable () -> Bool) async throws {
        var left = milliseconds
        while left > 0 {
            if isCanceled() { throw JobRunError.permanent("canceled") }
            let slice = min(left, 100)
            try await Task.sleep(for: .milliseconds(slice))
            left -= slice
        }
    }

    func call<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw JobRunError.from(error, during: what)
        }
    }

    /// "holiday.jpg" + "convert+resize" as webp → "holiday-convert+resize.webp".
    static func outputName(input: String?, tool: String, contentType: String) -> String {
        let stem = ((input ?? "") as NSString).deletingPathExtension
        let ext =
            switch contentType {
            case "image/jpeg": "jpg"
            case "image/png": "png"
            case "image/webp": "webp"
            case "image/avif": "avif"
            case "image/heic", "image/heif": "heic"
            case "image/gif": "gif"
            case "image/tiff": "tiff"
            case "image/jxl": "jxl"
            default: "bin"
            }
        return "\(stem.isEmpty ? "image" : stem)-\(tool).\(ext)"
    }
}
