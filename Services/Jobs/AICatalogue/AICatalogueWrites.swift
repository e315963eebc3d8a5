import Foundation
import ImageSwissProtos
import Operations
import Postgres
import ServiceRuntime

/// Admins' reads and writes of the AI catalogue. Every write names its entry by id and replaces it
/// whole (PUT semantics), so a retried call has the same effect; a write is visible to this
/// process's next quote at once.
extension AICatalogue {
    static let idPattern = "^[a-z0-9][a-z0-9_-]{0,39}$"
    /// A ComfyUI workflow is the largest reference.
    static let maxReferenceBytes = 200_000

    /// Admins see everything but credentials; anyone else sees the enabled models that can run
    /// (no provider details) and the enabled presets.
    func catalogue(admin: Bool) async throws -> JobsAICatalogue {
        let snapshot = try await self.snapshot()
        var catalogue = JobsAICatalogue()
        if admin {
            let spent = try await ProviderSpend.today(self.database, by: .provider)
            catalogue.providers = snapshot.providers.map { provider in
                var provider = provider
                provider.spentTodayMicros = spent[provider.id] ?? 0
                return provider
            }
            catalogue.models = snapshot.models
            catalogue.presets = snapshot.presets
            let tierSpent = try await ProviderSpend.today(self.database, by: .tier)
            catalogue.tierLimits = snapshot.tierLimits.sorted { $0.key < $1.key }.map { tier, limit in
                var entry = JobsTierSpendLimit()
                (entry.tierID, entry.dailyLimitMicros, entry.spentTodayMicros) = (tier, limit, tierSpent[tier] ?? 0)
                return entry
            }
            return catalogue
        }
        catalogue.models = OperationCatalog.all.flatMap { snapshot.models(for: $0.name) }.map { model in
            var visible = JobsAIModel()
            visible.id = model.id
            visible.operation = model.operation
            visible.label = model.label
            visible.priceCredits = model.priceCredits
            visible.enabled = true
            visible.isDefault = model.isDefault
            return visible
        }
        catalogue.presets = snapshot.presets.filter(\.enabled)
        return catalogue
    }

    func putProvider(_ caller: RPCCaller, _ provider: JobsAIProvider) async throws -> JobsAIProvider {
        try Self.requireAdmin(caller)
        try Self.checkID(provider.id, field: "id")
        guard ProviderKinds.all.contains(provider.kind) else {
            throw failure.invalid("kind", "kind is one of \(ProviderKinds.all.joined(separator: ", "))")
        }
        guard let url = URL(string: provider.baseURL), ["http", "https"].contains(url.scheme ?? ""),
            url.host?.isEmpty == false, provider.baseURL.utf8.count <= 500, !provider.baseURL.hasSuffix("/")
        else {
            throw failure.invalid("base_url", "an http(s) URL without a trailing slash, like https://api.together.xyz")
        }
        guard provider.credential.utf8.count <= 4096 else { throw failure.invalid("credential", "at most 4096 bytes") }
        guard provider.dailySpendLimitMicros >= 0 else {
            throw failure.invalid("daily_spend_limit_micros", "0 or more")
        }
        try await self.refuseConfigured(provider: provider.id)
        let sealed: [UInt8]? = provider.credential.isEmpty ? nil : try self.seal.seal(provider.credential)
        let hint: String? = provider.credential.isEmpty ? nil : CredentialSeal.hint(provider.credential)
        let row = try await self.database.query(
            AICatalogueStatements.putProvider,
            [
                provider.id, provider.kind, provider.baseURL, provider.enabled, provider.dailySpendLimitMicros, sealed,
                hint,
            ]
        ).first
        self.invalidate()
        var stored = provider
        stored.credential = ""
        stored.credentialHint = try row?.decode("credential_hint") ?? ""
        return stored
    }

    func putModel(_ caller: RPCCaller, _ model: JobsAIModel) async throws -> JobsAIModel {
        try Self.requireAdmin(caller)
        try Self.checkID(model.id, field: "id")
        guard let spec = OperationCatalog.named(model.operation), spec.needsProvider else {
            let names = OperationCatalog.all.filter(\.needsProvider).map(\.name).joined(separator: ", ")
            throw failure.invalid("operation", "operation is an AI operation: \(names)")
        }
        guard spec.name != "generate_with_model" else {
            throw failure.invalid(
                "operation", "generate_with_model runs on the provider that trained each personal model")
        }
        let snapshot = try await self.snapshot()
        guard let provider = snapshot.providers.first(where: { $0.id == model.providerID }) else {
            throw failure.error(
                .invalidArgument, "unknown_provider", "no provider '\(model.providerID.prefix(40))'",
                field: "provider_id")
        }
        if spec.name == "train_model"
            && ProviderKinds.trainer(kind: provider.kind, baseURL: "", credential: "", curl: self.curl) == nil
        {
            throw failure.invalid("provider_id", "personal models train at a together or replicate provider")
        }
        guard !model.reference.isEmpty, model.reference.utf8.count <= Self.maxReferenceBytes else {
            throw failure.invalid(
                "reference", "the provider's name for the model, 1 to \(Self.maxReferenceBytes) bytes")
        }
        if provider.kind == "comfyui",
            (try? JSONSerialization.jsonObject(with: Data(model.reference.utf8))) as? [String: Any] == nil
        {
            throw failure.invalid(
                "reference", "a ComfyUI model's reference is its workflow in API format (a JSON object)")
        }
        guard model.parameters.count <= 20,
            model.parameters.allSatisfy({ $0.key.utf8.count <= 64 && $0.value.utf8.count <= 2000 })
        else { throw failure.invalid("parameters", "at most 20 parameters of 2000 bytes") }
        guard (1...100).contains(model.label.count) else { throw failure.invalid("label", "1 to 100 characters") }
        guard (0...100_000).contains(model.priceCredits) else {
            throw failure.invalid("price_credits", "0 (the operation's price) to 100000 credits")
        }
        guard model.unitCostMicros >= 0 else { throw failure.invalid("unit_cost_micros", "0 or more") }
        try await self.refuseConfigured(model: model.id)
        try await self.database.transaction { session in
            if model.isDefault {
                try await session.execute(AICatalogueStatements.clearDefault, [spec.name, model.id])
            }
            try await session.execute(
                AICatalogueStatements.putModel,
                [
                    model.id, spec.name, model.providerID, model.reference, try PostgresJSON.text(model.parameters),
                    model.label, model.priceCredits, model.unitCostMicros, model.enabled, model.isDefault,
                ])
        }
        self.invalidate()
        var stored = model
        stored.operation = spec.name
        return stored
    }

    /// A preview must be one of the admin's own files (`storage` says): everyone sees it, through a
    /// link the edge signs for its owner.
    func putPreset(_ caller: RPCCaller, _ preset: JobsStylePreset, storage: StorageAccess) async throws
        -> JobsStylePreset
    {
        try Self.requireAdmin(caller)
        try Self.checkID(preset.id, field: "id")
        guard (1...100).contains(preset.label.count) else { throw failure.invalid("label", "1 to 100 characters") }
        guard preset.template.contains("{prompt}"), preset.template.utf8.count <= 2000 else {
            throw failure.invalid("template", "up to 2000 bytes holding {prompt}, where the user's words go")
        }
        guard preset.negativePrompt.utf8.count <= 2000 else {
            throw failure.invalid("negative_prompt", "at most 2000 bytes")
        }
        guard preset.previewFileID.isEmpty || preset.previewFileID.utf8.count == 36 else {
            throw failure.invalid("preview_file_id", "a file id")
        }
        if !preset.previewFileID.isEmpty,
            try await storage.blobs([preset.previewFileID], owner: caller.id)[preset.previewFileID.lowercased()] == nil
        {
            throw failure.error(
                .notFound, "preview_not_found", "the preview is not one of your files", field: "preview_file_id")
        }
        let owner = preset.previewFileID.isEmpty ? "" : caller.id
        try await self.database.execute(
            AICatalogueStatements.putPreset,
            [
                preset.id, preset.label, preset.template, preset.negativePrompt, preset.previewFileID.lowercased(),
                preset.enabled, Int(preset.position), owner,
            ])
        self.invalidate()
        var stored = preset
        stored.previewFileID = preset.previewFileID.lowercased()
        stored.previewOwnerID = owner
        return stored
    }

    /// A tier's daily limit for its runs at every provider together; a tier id as Billing names it.
    func putTierLimit(_ caller: RPCCaller, _ limit: JobsTierSpendLimit) async throws -> JobsTierSpendLimit {
        try Self.requireAdmin(caller)
        try Self.checkID(limit.tierID, field: "tier_id")
        guard limit.dailyLimitMicros > 0 else {
            throw failure.invalid(
                "daily_limit_micros", "a positive number of micro-dollars (delete the limit to lift it)")
        }
        try await self.database.execute(AICatalogueStatements.putTierLimit, [limit.tierID, limit.dailyLimitMicros])
        self.invalidate()
        var stored = limit
        stored.spentTodayMicros = try await ProviderSpend.today(self.database, by: .tier)[limit.tierID] ?? 0
        return stored
    }

    func delete(_ caller: RPCCaller, kind: String, id: String) async throws {
        try Self.requireAdmin(caller)
        let statement: String
        switch kind {
        case "provider":
            try await self.refuseConfigured(provider: id)
            statement = AICatalogueStatements.deleteProvider
        case "model":
            try await self.refuseConfigured(model: id)
            statement = AICatalogueStatements.deleteModel
        case "preset": statement = AICatalogueStatements.deletePreset
        case "tier_limit": statement = AICatalogueStatements.deleteTierLimit
        default: throw failure.invalid("kind", "provider, model, preset or tier_limit")
        }
        guard try await self.database.execute(statement, [id]) > 0 else {
            throw failure.error(.notFound, "not_found", "no \(kind) '\(id.prefix(40))'")
        }
        self.invalidate()
    }

    private func refuseConfigured(provider id: String) async throws {
        if try await self.snapshot().providers.contains(where: { $0.id == id && $0.fromConfiguration }) {
            throw failure.error(
                .failedPrecondition, "configured_by_environment",
                "provider '\(id)' comes from Jobs' environment variables; change it there")
        }
    }

    private func refuseConfigured(model id: String) async throws {
        if try await self.snapshot().models.contains(where: { $0.id == id && $0.fromConfiguration }) {
            throw failure.error(
                .failedPrecondition, "configured_by_environment",
                "model '\(id)' comes from Jobs' environment variables; change it there")
        }
    }

    static func checkID(_ id: String, field: String) throws {
        guard id.range(of: Self.idPattern, options: .regularExpression) != nil else {
            throw failure.invalid(
                field, "lowercase letters, digits, '-' and '_', 1 to 40, starting with a letter or digit")
        }
    }

    static func requireAdmin(_ caller: RPCCaller) throws {
        guard caller.role == "admin" else { throw failure.adminOnly }
    }
}
