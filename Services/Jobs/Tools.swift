import ImageSwissProtos

/// The operations a checklist may tick, what runs each, and the name Billing prices it under.
///
/// A job's steps make one tool: at most one AI operation (run first, by a provider), then the
/// ImageOps steps as one pipeline. `ocr` and `deduplicate` stand alone; `noop` (a pause of
/// `duration_ms`, for probes and benchmarks) may precede anything.
enum Operation: Sendable, Equatable {
    /// An ImageOps pipeline step (its ImageOps name).
    case pipeline(String)
    case ocr
    case deduplicate
    /// Runs at a provider (colourization, remove_background, upscale, generation).
    case ai(String)
    case noop

    /// Checklist name → (operation, Billing's name for it).
    static let catalog: [String: (Operation, String)] = [
        "resize": (.pipeline("resize"), "resize"), "thumbnail": (.pipeline("thumbnail"), "thumbnail"),
        "crop": (.pipeline("crop"), "crop"), "smartcrop": (.pipeline("smartcrop"), "crop"),
        "rotate": (.pipeline("rotate"), "rotate"), "flip": (.pipeline("flip"), "rotate"), "autoorient": (.pipeline("autoorient"), "rotate"),
        "convert": (.pipeline("convert"), "convert"), "compress": (.pipeline("convert"), "compress"),
        "grayscale": (.pipeline("grayscale"), "adjust"), "blur": (.pipeline("blur"), "adjust"), "sharpen": (.pipeline("sharpen"), "adjust"),
        "adjust": (.pipeline("adjust"), "adjust"), "gamma": (.pipeline("gamma"), "adjust"), "sepia": (.pipeline("sepia"), "adjust"),
        "tint": (.pipeline("tint"), "adjust"), "watermark": (.pipeline("watermark"), "watermark"),
        // Restoration runs here, on ImageOps' classic enhance (denoise, colour balance, local contrast, sharpen).
        "restoration": (.pipeline("enhance"), "restoration"), "restore": (.pipeline("enhance"), "restoration"),
        "enhance": (.pipeline("enhance"), "restoration"),
        "ocr": (.ocr, "ocr"), "deduplicate": (.deduplicate, "deduplicate"),
        "colourization": (.ai("colourization"), "colourization"), "colorization": (.ai("colourization"), "colourization"),
        "remove_background": (.ai("remove_background"), "remove_background"), "upscale": (.ai("upscale"), "upscale"),
        "generation": (.ai("generation"), "generation"),
        "noop": (.noop, "noop"),
    ]

    /// Operations whose output the tier's resolution cap applies to (the photo-restoration plan).
    static let capped: Set<String> = ["restoration", "colourization", "upscale", "generation"]
}

/// A validated checklist: what a worker runs for each job.
struct Tool: Sendable {
    /// Billing's names joined by "+", sorted: what the quote prices and the history shows.
    let name: String
    let billingOperations: [String]
    let ai: String?
    let pipeline: [JobsStep]
    let ocr: JobsStep?
    let deduplicate: Bool
    let pauseMilliseconds: Int
    let steps: [JobsStep]

    /// Inputs each job takes: generation 0 or 1, deduplicate all of a batch, the rest exactly 1.
    var acceptsNoInput: Bool { self.ai == "generation" || (self.pipeline.isEmpty && self.ocr == nil && !self.deduplicate && self.ai == nil) }
    var capsResolution: Bool { !Set(self.billingOperations).isDisjoint(with: Operation.capped) }

    init(_ steps: [JobsStep], maxSteps: Int, providers: ProviderRouter) throws {
        guard !steps.isEmpty else { throw JobsFailure.invalid("steps", "tick at least one operation") }
        guard steps.count <= maxSteps else { throw JobsFailure.invalid("steps", "a job has at most \(maxSteps) steps") }
        var billing: [String] = []
        var ai: String?
        var pipeline: [JobsStep] = []
        var ocr: JobsStep?
        var deduplicate = false
        var pause = 0
        for step in steps {
            guard step.parameters.count <= 20, step.parameters.allSatisfy({ $0.key.utf8.count <= 64 && $0.value.utf8.count <= 2000 }) else {
                throw JobsFailure.invalid("steps", "\(step.operation): at most 20 parameters of 2000 bytes")
            }
            guard let (operation, billingName) = Operation.catalog[step.operation] else {
                throw JobsFailure.error(.invalidArgument, "unknown_tool", "unknown operation '\(step.operation.prefix(64))'", field: "steps")
            }
            billing.append(billingName)
            switch operation {
            case .pipeline(let name):
                var translated = step
                translated.operation = name
                if step.operation == "compress", step.parameters["quality"] == nil { translated.parameters["quality"] = "75" }
                pipeline.append(translated)
            case .ocr: ocr = step
            case .deduplicate: deduplicate = true
            case .noop:
                guard let milliseconds = Int(step.parameters["duration_ms"] ?? "0"), (0...60_000).contains(milliseconds) else {
                    throw JobsFailure.invalid("steps", "noop: duration_ms is 0 to 60000")
                }
                pause += milliseconds
            case .ai(let name):
                guard ai == nil else { throw JobsFailure.invalid("steps", "a job runs at most one AI operation") }
                guard providers.provider(for: name) != nil else {
                    throw JobsFailure.error(.failedPrecondition, "provider_not_configured",
                                            "'\(name)' needs an AI provider and none is configured for it here")
                }
                if name == "generation", (step.parameters["prompt"] ?? "").isEmpty {
                    throw JobsFailure.invalid("steps", "generation needs a prompt")
                }
                ai = name
            }
        }
        if ocr != nil || deduplicate, billing.filter({ $0 != "noop" }).count > 1 {
            throw JobsFailure.invalid("steps", "ocr and deduplicate run on their own, not with other operations")
        }
        let priced = Array(Set(billing.filter { $0 != "noop" || billing.allSatisfy { $0 == "noop" } })).sorted()
        self.name = priced.joined(separator: "+")
        self.billingOperations = priced
        self.ai = ai
        self.pipeline = pipeline
        self.ocr = ocr
        self.deduplicate = deduplicate
        self.pauseMilliseconds = pause
        self.steps = steps
    }
}
