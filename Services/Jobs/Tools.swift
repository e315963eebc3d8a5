import ImageSwissProtos
import Operations
import ServiceRuntime

/// A validated checklist: what a worker runs for each job.
struct Tool: Sendable {
    /// Billing's names joined by "+", sorted: what the quote prices and the history shows. A model
    /// with its own price is named "operation:model" ("generation:flux-schnell").
    let name: String
    let billingOperations: [String]
    /// Operations priced by their model rather than Billing's price list.
    let fixedCredits: [String: Int64]
    /// The AI operations, in the order they run, each at its model; the output of one is the input
    /// of the next (restoration, then colourisation).
    let ai: [AIStep]
    /// Pictures each job makes (a generation's count); each is a result and each is charged.
    var outputs: Int { self.ai.last?.outputs ?? 1 }

    /// One provider run of a job.
    struct AIStep: Sendable {
        /// The operation's canonical name, the model it runs on, and the parameters sent to it.
        let operation: String
        let route: AISnapshot.Route
        let parameters: [String: String]
        let outputs: Int
        /// A mask the step names (one of the owner's files), sent beside the input picture.
        let maskFileID: String?
    }

    /// AI operations one job chains at most (each a provider run, each picture into one picture).
    static let maxChainedAISteps = 3
    /// A personal model to train on all of the job's photos, on this catalogue model.
    let training: Training?

    struct Training: Sendable {
        let name: String
        let triggerWord: String
        let trainer: JobsAIModel
    }
    let pipeline: [JobsStep]
    let ocr: JobsStep?
    let deduplicate: Bool
    let pauseMilliseconds: Int
    let steps: [JobsStep]

    /// Inputs each job takes: generation 0 or 1, deduplicate all of a batch, the rest exactly 1.
    var acceptsNoInput: Bool {
        self.ai.first.map { Self.makesNewPictures.contains($0.operation) }
            ?? (self.pipeline.isEmpty && self.ocr == nil && !self.deduplicate && self.training == nil)
    }

    /// AI operations that draw new pictures rather than change the input: they need no input, may
    /// make several, and so run as a job's only AI operation.
    static let makesNewPictures: Set<String> = ["generation", "generate_with_model"]
    /// Whether the tier's resolution cap applies (the catalogue says which operations it bounds).
    let capsResolution: Bool

    /// Step parameters that choose how we run the step rather than what the provider is told.
    static let routingParameters: Set<String> = ["model", "preset", "count", "mask_file_id", "object", "method"]

    /// Every mask the AI steps name, for the submission's ownership check.
    var maskFileIDs: [String] { self.ai.compactMap(\.maskFileID) }

    /// `personal` is the ready personal model a generate_with_model step names, loaded by the caller.
    init(_ steps: [JobsStep], maxSteps: Int, catalogue: AISnapshot, personal: PersonalModelRecord? = nil) throws {
        guard !steps.isEmpty else { throw failure.invalid("steps", "tick at least one operation") }
        guard steps.count <= maxSteps else { throw failure.invalid("steps", "a job has at most \(maxSteps) steps") }
        var billing: [String] = []
        var fixed: [String: Int64] = [:]
        var ai: [(index: Int, step: AIStep)] = []
        var training: Training?
        var capped = false
        var pipeline: [JobsStep] = []
        var ocr: JobsStep?
        var deduplicate = false
        var pause = 0
        for (index, step) in steps.enumerated() {
            guard step.parameters.count <= 20,
                step.parameters.allSatisfy({ $0.key.utf8.count <= 64 && $0.value.utf8.count <= 4000 })
            else {
                throw failure.invalid("steps", "\(step.operation): at most 20 parameters of 4000 bytes")
            }
            guard let spec = OperationCatalog.named(step.operation) else {
                throw failure.error(
                    .invalidArgument, "unknown_tool", "unknown operation '\(step.operation.prefix(64))'", field: "steps"
                )
            }
            do {
                try spec.check(step.parameters)
            } catch {
                throw failure.error(
                    .invalidArgument, "invalid_parameter", "\(spec.name): \(error)",
                    field: "steps[\(index)].\(error.field)")
            }
            capped = capped || spec.capsResolution
            switch spec.kind {
            case .pipeline(let name, _):
                var translated = step
                translated.operation = name
                // The catalogue's defaults, so that ImageOps runs what the catalogue says (compress: quality 75).
                for parameter in spec.parameters where translated.parameters[parameter.name] == nil {
                    if let value = parameter.defaultValue { translated.parameters[parameter.name] = value }
                }
                pipeline.append(translated)
                billing.append(spec.billingName)
            case .ocr:
                ocr = step
                billing.append(spec.billingName)
            case .deduplicate:
                deduplicate = true
                billing.append(spec.billingName)
            case .noop:
                pause += Int(step.parameters["duration_ms"] ?? "0") ?? 0
                billing.append(spec.billingName)
            case .training:
                guard training == nil else { throw failure.invalid("steps", "a job trains one model") }
                let trainer = try catalogue.model(spec.name, named: step.parameters["model"])
                let word = step.parameters["trigger_word"] ?? "ohwx"
                guard word.range(of: "^[A-Za-z0-9]{2,40}$", options: .regularExpression) != nil else {
                    throw failure.error(
                        .invalidArgument, "invalid_parameter", "the trigger word is 2 to 40 letters or digits",
                        field: "steps[\(index)].parameters.trigger_word")
                }
                training = Training(name: step.parameters["name"] ?? "", triggerWord: word, trainer: trainer)
                billing.append(Self.billingName(spec, model: trainer, fixed: &fixed))
            case .ai where Self.runsClassic(spec, step.parameters, catalogue: catalogue):
                // Runs here, in ImageOps: priced and named as its own thing, never as the AI model.
                let classic = spec.classic!
                var local = JobsStep()
                local.operation = classic.step
                for name in classic.parameters {
                    local.parameters[name] = step.parameters[name] ?? spec.parameter(name)?.defaultValue
                }
                pipeline.append(local)
                billing.append(classic.billingName)
            case .ai:
                let aiStep = try Self.aiStep(spec, step, index: index, catalogue: catalogue, personal: personal)
                ai.append((OperationCatalog.all.firstIndex { $0.name == spec.name } ?? 0, aiStep))
                billing.append(Self.billingName(spec, model: aiStep.route.model, fixed: &fixed))
            }
        }
        guard
            ai.count <= 1
                || ai.allSatisfy({ !Self.makesNewPictures.contains($0.step.operation) && $0.step.outputs == 1 })
        else {
            throw failure.invalid(
                "steps", "generation and a count above 1 run as a job's only AI operation")
        }
        // Billing prices each operation once: a second run of one would go unpaid.
        guard Set(ai.map(\.step.operation)).count == ai.count else {
            throw failure.invalid("steps", "an AI operation runs once per job")
        }
        guard ai.count <= Self.maxChainedAISteps else {
            throw failure.invalid("steps", "a job chains at most \(Self.maxChainedAISteps) AI operations")
        }
        if ocr != nil || deduplicate || training != nil, billing.filter({ $0 != "noop" }).count > 1 {
            throw failure.invalid(
                "steps", "ocr, deduplicate and train_model run on their own, not with other operations")
        }
        let priced = Array(Set(billing.filter { $0 != "noop" || billing.allSatisfy { $0 == "noop" } })).sorted()
        self.name = priced.joined(separator: "+")
        self.billingOperations = priced
        self.fixedCredits = fixed
        // In the catalogue's order, whatever the checklist's: restore before colourising.
        self.ai = ai.sorted { $0.index < $1.index }.map(\.step)
        self.training = training
        self.capsResolution = capped
        self.pipeline = pipeline
        self.ocr = ocr
        self.deduplicate = deduplicate
        self.pauseMilliseconds = pause
        self.steps = steps
    }

    /// An operation with a classic method runs it when asked, and by default where no model serves it.
    static func runsClassic(_ spec: OperationSpec, _ parameters: [String: String], catalogue: AISnapshot) -> Bool {
        guard spec.classic != nil else { return false }
        return (parameters["method"] ?? (catalogue.models(for: spec.name).isEmpty ? "classic" : "ai")) == "classic"
    }

    /// A checked AI step: its model (or the personal model it names), what the provider is told.
    static func aiStep(
        _ spec: OperationSpec, _ step: JobsStep, index: Int, catalogue: AISnapshot, personal: PersonalModelRecord?
    ) throws -> AIStep {
        let chosen: AISnapshot.Route
        var parameters: [String: String]
        if spec.name == "generate_with_model" {
            guard let personal, personal.id.lowercasedText == step.parameters["personal_model"]?.lowercased()
            else { throw failure.notFound("personal model") }
            chosen = try catalogue.route(personal: personal)
            var asked = step.parameters.filter { $0.key != "personal_model" }
            let prompt = asked["prompt"] ?? ""
            // The trigger word stands for the subject: every prompt names it.
            if !prompt.localizedCaseInsensitiveContains(personal.triggerWord) {
                asked["prompt"] = "\(personal.triggerWord) \(prompt)"
            }
            parameters = try Self.providerParameters(asked, model: chosen.model, catalogue: catalogue)
        } else {
            chosen = try catalogue.route(spec.name, model: step.parameters["model"])
            parameters = try Self.providerParameters(
                Self.shaped(spec.name, step.parameters), model: chosen.model, catalogue: catalogue)
        }
        if spec.name == "remove_object", step.parameters["object"] == nil, step.parameters["mask_file_id"] == nil {
            throw failure.error(
                .invalidArgument, "invalid_parameter", "remove_object: name the object or paint a mask",
                field: "steps[\(index)].parameters.object")
        }
        return AIStep(
            operation: spec.name, route: chosen, parameters: parameters,
            outputs: Int(step.parameters["count"] ?? "1") ?? 1, maskFileID: step.parameters["mask_file_id"])
    }

    /// The creative tools in the words of an edit-by-prompt service (Stability's search-and-replace,
    /// an OpenAI-style edit): what to look for and what to put there, unless the step says.
    static func shaped(_ operation: String, _ parameters: [String: String]) -> [String: String] {
        var shaped = parameters
        switch operation {
        case "replace_background":
            shaped["search_prompt"] = shaped["search_prompt"] ?? "background"
        case "remove_object":
            if let object = parameters["object"] { shaped["search_prompt"] = object }
            shaped["prompt"] = shaped["prompt"] ?? "the empty background, nothing there"
        case "remove_watermark":
            shaped["search_prompt"] = shaped["search_prompt"] ?? "watermark, text, logo"
            shaped["prompt"] = shaped["prompt"] ?? "the clean photograph without any text or logo"
        default: break
        }
        return shaped
    }

    /// The name Billing prices a step under: its operation's, or "operation:model" at the model's own price.
    static func billingName(_ spec: OperationSpec, model: JobsAIModel, fixed: inout [String: Int64]) -> String {
        guard model.priceCredits > 0 else { return spec.billingName }
        let name = "\(spec.billingName):\(model.id)"
        fixed[name] = model.priceCredits
        return name
    }

    /// What the provider is told: the step's parameters with its style preset applied to the
    /// prompt, under the model's fixed parameters, without the routing ones.
    static func providerParameters(_ parameters: [String: String], model: JobsAIModel, catalogue: AISnapshot) throws
        -> [String: String]
    {
        var sent = parameters.filter { !Self.routingParameters.contains($0.key) }
        if let id = parameters["preset"] {
            guard let preset = catalogue.preset(id) else {
                throw failure.error(
                    .invalidArgument, "unknown_preset", "no style preset '\(id.prefix(40))'",
                    field: "parameters.preset")
            }
            sent["prompt"] = preset.template.replacingOccurrences(of: "{prompt}", with: parameters["prompt"] ?? "")
            let negatives = [preset.negativePrompt, parameters["negative_prompt"] ?? ""].filter { !$0.isEmpty }
            if !negatives.isEmpty { sent["negative_prompt"] = negatives.joined(separator: ", ") }
        }
        sent.merge(model.parameters) { _, fixed in fixed }
        return sent
    }
}
