import Curl
import ImageSwissProtos
import Operations

/// The AI catalogue as one Jobs process sees it now: the providers (those in the database and
/// those the JOBS_OPENAI_*, JOBS_REPLICATE_*, JOBS_RUNPOD_* variables configure), their adapters,
/// the models and the style presets. Submissions route and price AI steps by it; workers run them
/// by the snapshot of their own moment.
struct AISnapshot: Sendable {
    /// A model and the adapter of its provider.
    struct Route: Sendable {
        let model: JobsAIModel
        let provider: any ImageProvider
    }

    let providers: [JobsAIProvider]
    let models: [JobsAIModel]
    let presets: [JobsStylePreset]
    /// Tier id → daily spend limit of that tier's runs, micro-dollars.
    let tierLimits: [String: Int64]
    /// Provider id → adapter, for the enabled providers whose credential could be opened.
    let adapters: [String: any ImageProvider]
    /// Provider id → trainer, for those of them that train personal models (Together, Replicate).
    let trainers: [String: any ModelTrainer]

    /// The enabled models of an operation whose provider can run now, the default first.
    func models(for operation: String) -> [JobsAIModel] {
        self.models.filter { model in
            model.operation == operation && model.enabled
                && (operation == "train_model"
                    ? self.trainers[model.providerID] != nil : self.adapters[model.providerID] != nil)
        }
        .sorted { ($0.isDefault ? 0 : 1, $0.id) < ($1.isDefault ? 0 : 1, $1.id) }
    }

    /// The model a step runs on: the one it names (enabled, serving that operation), else the default.
    func model(_ operation: String, named: String?) throws -> JobsAIModel {
        let candidates = self.models(for: operation)
        if let named, !named.isEmpty {
            guard let found = candidates.first(where: { $0.id == named }) else {
                throw failure.error(
                    .invalidArgument, "unknown_model",
                    "no enabled model '\(named.prefix(40))' for \(operation)"
                        + (candidates.isEmpty ? "" : " (there are \(candidates.map(\.id).joined(separator: ", ")))"),
                    field: "parameters.model")
            }
            return found
        }
        guard let first = candidates.first else {
            throw failure.error(
                .failedPrecondition, "provider_not_configured",
                "'\(operation)' needs an AI provider and none is configured for it here")
        }
        return first
    }

    func route(_ operation: String, model named: String?) throws -> Route {
        let model = try self.model(operation, named: named)
        return Route(model: model, provider: self.adapters[model.providerID]!)
    }

    /// A personal model's generations run where it was trained, with its weights.
    func route(personal: PersonalModelRecord) throws -> Route {
        guard let provider = self.adapters[personal.providerID] else {
            throw failure.error(
                .failedPrecondition, "provider_not_configured",
                "the provider that trained this model (\(personal.providerID)) is not configured any more")
        }
        var model = JobsAIModel()
        model.id = "personal"
        model.operation = "generate_with_model"
        model.providerID = personal.providerID
        model.reference = personal.reference
        model.parameters = personal.parameters
        model.unitCostMicros = self.models.first { $0.id == personal.trainerModelID }?.unitCostMicros ?? 0
        return Route(model: model, provider: provider)
    }

    /// The trainer a train_model model runs on.
    func trainer(_ model: JobsAIModel) throws -> any ModelTrainer {
        guard let trainer = self.trainers[model.providerID] else {
            throw JobRunError.permanent("provider \(model.providerID) does not train models (any more)")
        }
        return trainer
    }

    func preset(_ id: String) -> JobsStylePreset? { self.presets.first { $0.id == id && $0.enabled } }
}

extension AISnapshot {
    /// The providers and models the environment configures: read-only entries named after the
    /// provider kind ("openai") and the operation ("openai-generation"), defaults unless the
    /// database names another default for the operation.
    static func configured(_ configuration: ProviderConfiguration, curl: CurlClient) -> (
        providers: [(JobsAIProvider, any ImageProvider)], models: [JobsAIModel]
    ) {
        var providers: [(JobsAIProvider, any ImageProvider)] = []
        var models: [JobsAIModel] = []
        func add(
            kind: String, baseURL: String, credential: String, adapter: any ImageProvider, routes: [String: String]
        ) {
            var provider = JobsAIProvider()
            provider.id = kind
            provider.kind = kind
            provider.baseURL = baseURL
            provider.credentialHint = CredentialSeal.hint(credential)
            provider.enabled = true
            provider.fromConfiguration = true
            providers.append((provider, adapter))
            for (operation, reference) in routes.sorted(by: { $0.key < $1.key }) {
                var model = JobsAIModel()
                model.id = "\(kind)-\(operation)".replacingOccurrences(of: "_", with: "-")
                model.operation = operation
                model.providerID = kind
                model.reference = reference
                model.label = "\(kind) (\(reference.prefix(40)))"
                model.enabled = true
                model.isDefault = true
                model.fromConfiguration = true
                models.append(model)
            }
        }
        if let key = configuration.openAIKey {
            add(
                kind: "openai", baseURL: configuration.openAIBaseURL, credential: key,
                adapter: OpenAIImages(
                    baseURL: configuration.openAIBaseURL, apiKey: key, timeout: configuration.timeout, curl: curl),
                routes: Dictionary(
                    uniqueKeysWithValues: configuration.openAIOperations.map { ($0, configuration.openAIModel) }))
        }
        if let token = configuration.replicateToken {
            add(
                kind: "replicate", baseURL: configuration.replicateBaseURL, credential: token,
                adapter: ReplicatePredictions(
                    baseURL: configuration.replicateBaseURL, token: token, pollInterval: configuration.pollInterval,
                    timeout: configuration.timeout, curl: curl),
                routes: configuration.replicateModels)
        }
        if let key = configuration.runPodKey {
            add(
                kind: "runpod", baseURL: configuration.runPodBaseURL, credential: key,
                adapter: RunPodServerless(
                    baseURL: configuration.runPodBaseURL, apiKey: key, pollInterval: configuration.pollInterval,
                    timeout: configuration.timeout, curl: curl),
                routes: configuration.runPodEndpoints)
        }
        return (providers, models)
    }
}

/// The adapter of a provider kind.
enum ProviderKinds {
    static let all = ["openai", "replicate", "runpod", "together", "stability", "comfyui"]

    static func trainer(kind: String, baseURL: String, credential: String, curl: CurlClient) -> (any ModelTrainer)? {
        switch kind {
        case "together": TogetherFineTuning(baseURL: baseURL, apiKey: credential, curl: curl)
        case "replicate": ReplicateTrainings(baseURL: baseURL, token: credential, curl: curl)
        default: nil
        }
    }

    static func adapter(
        kind: String, baseURL: String, credential: String, configuration: ProviderConfiguration, curl: CurlClient
    ) -> (any ImageProvider)? {
        let poll = configuration.pollInterval
        let timeout = configuration.timeout
        return switch kind {
        case "openai": OpenAIImages(baseURL: baseURL, apiKey: credential, timeout: timeout, curl: curl)
        case "replicate":
            ReplicatePredictions(baseURL: baseURL, token: credential, pollInterval: poll, timeout: timeout, curl: curl)
        case "runpod":
            RunPodServerless(baseURL: baseURL, apiKey: credential, pollInterval: poll, timeout: timeout, curl: curl)
        case "together": TogetherImages(baseURL: baseURL, apiKey: credential, timeout: timeout, curl: curl)
        case "stability": StabilityImages(baseURL: baseURL, apiKey: credential, timeout: timeout, curl: curl)
        case "comfyui":
            ComfyUIWorkflow(
                baseURL: baseURL, token: credential.isEmpty ? nil : credential, pollInterval: poll, timeout: timeout,
                curl: curl)
        default: nil
        }
    }
}
