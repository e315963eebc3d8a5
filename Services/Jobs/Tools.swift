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
    /// The AI operation's canonical name, the model it runs on, and the parameters sent to it.
    let ai: String?
    let route: AISnapshot.Route?
    let aiParameters: [String: String]
    /// Pictures each job makes (a generation's count); each is a result and each is charged.
    let outputs: Int
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
        self.ai == "generation" || self.ai == "generate_with_model"
            || (self.pipeline.isEmpty && self.ocr == nil && !self.deduplicate && self.ai == nil && self.training == nil)
    }
    /// Whether the tier's resolution cap applies (the catalogue says which operations it bounds).
    let capsResolution: Bool

    /// Step parameters that choose how we run the step rather than what the provider is told.
    static let routingParameters: Set<String> = ["model", "preset", "count", "mask_file_id", "object"]

    /// A mask the step names (one of the owner's files), sent beside the input picture.
    let maskFileID: String?

    /// `personal` is the ready personal model a generate_with_model step names, loaded by the caller.
    init(_ steps: [JobsStep], maxSteps: Int, catalogue: AISnapshot, personal: PersonalModelRecord? = nil) throws {
        guard !steps.isEmpty else { throw failure.invalid("steps", "tick at least one operation") }
        guard steps.count <= maxSteps else { throw failure.invalid("steps", "a job has at most \(maxSteps) steps") }
        var billing: [String] = []
        var fixed: [String: Int64] = [:]
        var ai: String?
        var route: AISnapshot.Route?
        var aiParameters: [String: String] = [:]
        var outputs = 1
        var training: Training?
        var mask: String?
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
            case .ai where Self.isClassicUpscale(spec.name, step.parameters, catalogue: catalogue):
                // Runs here, in ImageOps: priced and named as its own thing, never as the AI model.
                var classic = JobsStep()
                classic.operation = "upscale_classic"
                classic.parameters["scale"] = step.parameters["scale"] ?? "2"
                pipeline.append(classic)
                billing.append("upscale_classic")
            case .ai:
                guard ai == nil else { throw failure.invalid("steps", "a job runs at most one AI operation") }
                let chosen: AISnapshot.Route
                if spec.name == "generate_with_model" {
                    guard let personal, personal.id.lowercasedText == step.parameters["personal_model"]?.lowercased()
                    else { throw failure.notFound("personal model") }
                    chosen = try catalogue.route(personal: personal)
                    var parameters = step.parameters.filter { $0.key != "personal_model" }
                    let prompt = parameters["prompt"] ?? ""
                    // The trigger word stands for the subject: every prompt names it.
                    if !prompt.localizedCaseInsensitiveContains(personal.triggerWord) {
                        parameters["prompt"] = "\(personal.triggerWord) \(prompt)"
                    }
                    aiParameters = try Self.providerParameters(parameters, model: chosen.model, catalogue: catalogue)
                } else {
                    chosen = try catalogue.route(spec.name, model: step.parameters["model"])
                    aiParameters = try Self.providerParameters(
                        Self.shaped(spec.name, step.parameters), model: chosen.model, catalogue: catalogue)
                }
                if spec.name == "remove_object", step.parameters["object"] == nil,
                    step.parameters["mask_file_id"] == nil
                {
                    throw failure.error(
                        .invalidArgument, "invalid_parameter", "remove_object: name the object or paint a mask",
                        field: "steps[\(index)].parameters.object")
                }
                mask = step.parameters["mask_file_id"]
                ai = spec.name
                route = chosen
                outputs = Int(step.parameters["count"] ?? "1") ?? 1
                billing.append(Self.billingName(spec, model: chosen.model, fixed: &fixed))
            }
        }
        if ocr != nil || deduplicate || training != nil, billing.filter({ $0 != "noop" }).count > 1 {
            throw failure.invalid(
                "steps", "ocr, deduplicate and train_model run on their own, not with other operations")
        }
        let priced = Array(Set(billing.filter { $0 != "noop" || billing.allSatisfy { $0 == "noop" } })).sorted()
        self.name = priced.joined(separator: "+")
        self.billingOperations = priced
        self.fixedCredits = fixed
        self.ai = ai
        self.route = route
        self.aiParameters = aiParameters
        self.outputs = outputs
        self.training = training
        self.maskFileID = mask
        self.capsResolution = capped
        self.pipeline = pipeline
        self.ocr = ocr
        self.deduplicate = deduplicate
        self.pauseMilliseconds = pause
        self.steps = steps
    }

    /// Upscale runs classic when asked, and by default where no model serves it.
    static func isClassicUpscale(_ operation: String, _ parameters: [String: String], catalogue: AISnapshot) -> Bool {
        guard operation == "upscale" else { return false }
        return (parameters["method"] ?? (catalogue.models(for: "upscale").isEmpty ? "classic" : "ai")) == "classic"
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
