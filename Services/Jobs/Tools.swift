import ImageSwissProtos
import Operations
import ServiceRuntime

/// A validated checklist: what a worker runs for each job.
struct Tool: Sendable {
    /// Billing's names joined by "+", sorted: what the quote prices and the history shows.
    let name: String
    let billingOperations: [String]
    /// The AI operation's canonical name and the parameters its step gave.
    let ai: String?
    let aiParameters: [String: String]
    let pipeline: [JobsStep]
    let ocr: JobsStep?
    let deduplicate: Bool
    let pauseMilliseconds: Int
    let steps: [JobsStep]

    /// Inputs each job takes: generation 0 or 1, deduplicate all of a batch, the rest exactly 1.
    var acceptsNoInput: Bool {
        self.ai == "generation" || (self.pipeline.isEmpty && self.ocr == nil && !self.deduplicate && self.ai == nil)
    }
    /// Whether the tier's resolution cap applies (the catalogue says which operations it bounds).
    let capsResolution: Bool

    init(_ steps: [JobsStep], maxSteps: Int, providers: ProviderRouter) throws {
        guard !steps.isEmpty else { throw failure.invalid("steps", "tick at least one operation") }
        guard steps.count <= maxSteps else { throw failure.invalid("steps", "a job has at most \(maxSteps) steps") }
        var billing: [String] = []
        var ai: String?
        var aiParameters: [String: String] = [:]
        var capped = false
        var pipeline: [JobsStep] = []
        var ocr: JobsStep?
        var deduplicate = false
        var pause = 0
        for (index, step) in steps.enumerated() {
            guard step.parameters.count <= 20,
                step.parameters.allSatisfy({ $0.key.utf8.count <= 64 && $0.value.utf8.count <= 2000 })
            else {
                throw failure.invalid("steps", "\(step.operation): at most 20 parameters of 2000 bytes")
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
            billing.append(spec.billingName)
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
            case .ocr: ocr = step
            case .deduplicate: deduplicate = true
            case .noop:
                pause += Int(step.parameters["duration_ms"] ?? "0") ?? 0
            case .ai:
                guard ai == nil else { throw failure.invalid("steps", "a job runs at most one AI operation") }
                guard providers.provider(for: spec.name) != nil else {
                    throw failure.error(
                        .failedPrecondition, "provider_not_configured",
                        "'\(spec.name)' needs an AI provider and none is configured for it here")
                }
                ai = spec.name
                aiParameters = step.parameters
            }
        }
        if ocr != nil || deduplicate, billing.filter({ $0 != "noop" }).count > 1 {
            throw failure.invalid("steps", "ocr and deduplicate run on their own, not with other operations")
        }
        let priced = Array(Set(billing.filter { $0 != "noop" || billing.allSatisfy { $0 == "noop" } })).sorted()
        self.name = priced.joined(separator: "+")
        self.billingOperations = priced
        self.ai = ai
        self.aiParameters = aiParameters
        self.capsResolution = capped
        self.pipeline = pipeline
        self.ocr = ocr
        self.deduplicate = deduplicate
        self.pauseMilliseconds = pause
        self.steps = steps
    }
}
