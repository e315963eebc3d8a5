import Curl
import Foundation
import ImageSwissProtos
import Logging
import NIOConcurrencyHelpers
import Operations
import Postgres
import ServiceRuntime

/// The AI catalogue of this Jobs process: read from the database at most every
/// JOBS_AI_CATALOGUE_TTL_MS, and at once after this process wrote it, so an admin's change reaches
/// the next quote here and every other Jobs process within the TTL, without a restart.
final class AICatalogue: Sendable {
    let database: PostgresPool
    let seal: CredentialSeal
    let configuration: ProviderConfiguration
    let curl: CurlClient
    let lifetime: Duration
    let logger: Logger
    private let configured: (providers: [(JobsAIProvider, any ImageProvider)], models: [JobsAIModel])
    private let cached = NIOLockedValueBox<(snapshot: AISnapshot, loaded: ContinuousClock.Instant)?>(nil)

    init(
        database: PostgresPool, seal: CredentialSeal, configuration: ProviderConfiguration, curl: CurlClient,
        lifetime: Duration, logger: Logger
    ) {
        self.database = database
        self.seal = seal
        self.configuration = configuration
        self.curl = curl
        self.lifetime = lifetime
        self.logger = logger
        self.configured = AISnapshot.configured(configuration, curl: curl)
    }

    func snapshot() async throws -> AISnapshot {
        if let cached = self.cached.withLockedValue({ $0 }), ContinuousClock.now - cached.loaded < self.lifetime {
            return cached.snapshot
        }
        let snapshot = try await self.load()
        self.cached.withLockedValue { $0 = (snapshot, .now) }
        return snapshot
    }

    func invalidate() { self.cached.withLockedValue { $0 = nil } }

    private func load() async throws -> AISnapshot {
        var providers = self.configured.providers.map(\.0)
        var adapters = Dictionary(uniqueKeysWithValues: self.configured.providers.map { ($0.0.id, $0.1) })
        var trainers: [String: any ModelTrainer] = [:]
        if let token = self.configuration.replicateToken {
            trainers["replicate"] = ReplicateTrainings(
                baseURL: self.configuration.replicateBaseURL, token: token, curl: self.curl)
        }
        for row in try await self.database.query(AICatalogueStatements.providers) {
            var provider = JobsAIProvider()
            provider.id = try row.decode("id")
            provider.kind = try row.decode("kind")
            provider.baseURL = try row.decode("base_url")
            provider.credentialHint = try row.decode("credential_hint")
            provider.enabled = try row.decode("enabled")
            provider.dailySpendLimitMicros = try row.decode("daily_spend_limit_micros")
            providers.removeAll { $0.id == provider.id }
            providers.append(provider)
            adapters[provider.id] = nil
            trainers[provider.id] = nil
            guard provider.enabled else { continue }
            var credential = ""
            if let sealed = try row.decodeIfPresent("credential", as: [UInt8].self) {
                guard let opened = self.seal.open(sealed) else {
                    self.logger.error(
                        "a provider's credential cannot be opened with JOBS_PROVIDER_SECRET_KEY",
                        metadata: ["provider": "\(provider.id)"])
                    continue
                }
                credential = opened
            }
            adapters[provider.id] = ProviderKinds.adapter(
                kind: provider.kind, baseURL: provider.baseURL, credential: credential,
                configuration: self.configuration, curl: self.curl)
            trainers[provider.id] = ProviderKinds.trainer(
                kind: provider.kind, baseURL: provider.baseURL, credential: credential, curl: self.curl)
        }
        var models = self.configured.models
        for row in try await self.database.query(AICatalogueStatements.models) {
            var model = JobsAIModel()
            model.id = try row.decode("id")
            model.operation = try row.decode("operation")
            model.providerID = try row.decode("provider_id")
            model.reference = try row.decode("reference")
            model.parameters = try row.decodeJSON("parameters")
            model.label = try row.decode("label")
            model.priceCredits = try row.decode("price_credits")
            model.unitCostMicros = try row.decode("unit_cost_micros")
            model.enabled = try row.decode("enabled")
            model.isDefault = try row.decode("is_default")
            models.removeAll { $0.id == model.id }
            // A default in the database takes over from the environment's.
            if model.isDefault {
                for index in models.indices where models[index].operation == model.operation {
                    models[index].isDefault = false
                }
            }
            models.append(model)
        }
        let presets = try await self.database.query(AICatalogueStatements.presets).map { row in
            var preset = JobsStylePreset()
            preset.id = try row.decode("id")
            preset.label = try row.decode("label")
            preset.template = try row.decode("template")
            preset.negativePrompt = try row.decode("negative_prompt")
            preset.previewFileID = try row.decode("preview_file_id")
            preset.previewOwnerID = try row.decode("preview_owner")
            preset.enabled = try row.decode("enabled")
            preset.position = try row.decode("position")
            return preset
        }
        let tierLimits = try await self.database.query(AICatalogueStatements.tierLimits).reduce(
            into: [String: Int64]()
        ) { $0[try $1.decode("tier_id")] = try $1.decode("daily_limit_micros") }
        return AISnapshot(
            providers: providers, models: models, presets: presets, tierLimits: tierLimits, adapters: adapters,
            trainers: trainers)
    }
}
