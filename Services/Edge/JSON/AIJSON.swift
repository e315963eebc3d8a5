import ImageSwissProtos

/// The AI catalogue's JSON (Jobs' ai.proto): providers and models for admins, models and presets
/// for everyone. Credentials are written, never answered: `credential_hint` holds the last four.
struct AIProviderJSON: Codable {
    let id: String?
    let kind: String
    let baseURL: String
    let credential: String?
    let credentialHint: String?
    let enabled: Bool?
    let dailySpendLimitMicros: Int64?
    let fromConfiguration: Bool?
    let spentTodayMicros: Int64?

    init(_ provider: JobsAIProvider) {
        (self.id, self.kind, self.baseURL, self.credential) = (provider.id, provider.kind, provider.baseURL, nil)
        (self.credentialHint, self.enabled) = (provider.credentialHint, provider.enabled)
        self.dailySpendLimitMicros = provider.dailySpendLimitMicros
        self.fromConfiguration = provider.fromConfiguration
        self.spentTodayMicros = provider.spentTodayMicros
    }

    func call(id: String) -> JobsPutAIProviderRequest {
        var call = JobsPutAIProviderRequest()
        (call.provider.id, call.provider.kind, call.provider.baseURL) = (id, self.kind, self.baseURL)
        call.provider.credential = self.credential ?? ""
        call.provider.enabled = self.enabled ?? true
        call.provider.dailySpendLimitMicros = self.dailySpendLimitMicros ?? 0
        return call
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, credential, enabled
        case baseURL = "base_url"
        case credentialHint = "credential_hint"
        case dailySpendLimitMicros = "daily_spend_limit_micros"
        case fromConfiguration = "from_configuration"
        case spentTodayMicros = "spent_today_micros"
    }
}

struct AIModelJSON: Codable {
    let id: String?
    let operation: String
    let providerID: String?
    let reference: String?
    let parameters: [String: String]?
    let label: String
    /// 0: priced as its operation in the price list.
    let priceCredits: Int64?
    let unitCostMicros: Int64?
    let enabled: Bool?
    let isDefault: Bool?
    let fromConfiguration: Bool?

    /// `admin: false` leaves out where and how it runs.
    init(_ model: JobsAIModel, admin: Bool) {
        (self.id, self.operation, self.label) = (model.id, model.operation, model.label)
        self.providerID = admin ? model.providerID : nil
        self.reference = admin ? model.reference : nil
        self.parameters = admin ? model.parameters : nil
        self.unitCostMicros = admin ? model.unitCostMicros : nil
        self.fromConfiguration = admin ? model.fromConfiguration : nil
        (self.priceCredits, self.enabled, self.isDefault) = (model.priceCredits, model.enabled, model.isDefault)
    }

    func call(id: String) -> JobsPutAIModelRequest {
        var call = JobsPutAIModelRequest()
        (call.model.id, call.model.operation, call.model.label) = (id, self.operation, self.label)
        call.model.providerID = self.providerID ?? ""
        call.model.reference = self.reference ?? ""
        call.model.parameters = self.parameters ?? [:]
        call.model.priceCredits = self.priceCredits ?? 0
        call.model.unitCostMicros = self.unitCostMicros ?? 0
        call.model.enabled = self.enabled ?? true
        call.model.isDefault = self.isDefault ?? false
        return call
    }

    enum CodingKeys: String, CodingKey {
        case id, operation, reference, parameters, label, enabled
        case providerID = "provider_id"
        case priceCredits = "price_credits"
        case unitCostMicros = "unit_cost_micros"
        case isDefault = "is_default"
        case fromConfiguration = "from_configuration"
    }
}

struct StylePresetJSON: Codable {
    let id: String?
    let label: String
    let template: String
    let negativePrompt: String?
    let previewFileID: String?
    let enabled: Bool?
    let position: Int32?
    /// Answers only: a signed link to the preview that anyone may open until it expires.
    var previewURL: String?

    init(_ preset: JobsStylePreset, previewURL: String? = nil) {
        (self.id, self.label, self.template, self.negativePrompt) = (
            preset.id, preset.label, preset.template, preset.negativePrompt
        )
        self.previewFileID = preset.previewFileID.isEmpty ? nil : preset.previewFileID
        (self.enabled, self.position) = (preset.enabled, preset.position)
        self.previewURL = previewURL
    }

    func call(id: String) -> JobsPutStylePresetRequest {
        var call = JobsPutStylePresetRequest()
        (call.preset.id, call.preset.label, call.preset.template) = (id, self.label, self.template)
        call.preset.negativePrompt = self.negativePrompt ?? ""
        call.preset.previewFileID = self.previewFileID ?? ""
        call.preset.enabled = self.enabled ?? true
        call.preset.position = self.position ?? 0
        return call
    }

    enum CodingKeys: String, CodingKey {
        case id, label, template, enabled, position
        case negativePrompt = "negative_prompt"
        case previewFileID = "preview_file_id"
        case previewURL = "preview_url"
    }
}

/// GET /api/v1/admin/ai.
struct AICatalogueJSON: Encodable {
    let providers: [AIProviderJSON]
    let models: [AIModelJSON]
    let presets: [StylePresetJSON]
    let tierLimits: [TierLimitJSON]

    init(_ catalogue: JobsAICatalogue) {
        self.providers = catalogue.providers.map(AIProviderJSON.init)
        self.models = catalogue.models.map { AIModelJSON($0, admin: true) }
        self.presets = catalogue.presets.map { StylePresetJSON($0) }
        self.tierLimits = catalogue.tierLimits.map(TierLimitJSON.init)
    }

    enum CodingKeys: String, CodingKey {
        case providers, models, presets
        case tierLimits = "tier_limits"
    }
}

/// A tier's daily spend limit for its AI runs at every provider together.
struct TierLimitJSON: Codable {
    var tierID: String?
    var dailyLimitMicros: Int64
    var spentTodayMicros: Int64?

    init(_ limit: JobsTierSpendLimit) {
        (self.tierID, self.dailyLimitMicros, self.spentTodayMicros) = (
            limit.tierID, limit.dailyLimitMicros, limit.spentTodayMicros
        )
    }

    func call(id: String) -> JobsPutTierSpendLimitRequest {
        var call = JobsPutTierSpendLimitRequest()
        call.limit.tierID = id
        call.limit.dailyLimitMicros = self.dailyLimitMicros
        return call
    }

    enum CodingKeys: String, CodingKey {
        case tierID = "tier_id"
        case dailyLimitMicros = "daily_limit_micros"
        case spentTodayMicros = "spent_today_micros"
    }
}

/// A model an operation offers, in GET /api/v1/operations.
struct ModelOptionJSON: Encodable {
    let id, label: String
    let isDefault: Bool
    let priceCredits: Int64

    init(_ option: JobsModelOption) {
        (self.id, self.label, self.isDefault, self.priceCredits) = (
            option.id, option.label, option.isDefault, option.priceCredits
        )
    }

    enum CodingKeys: String, CodingKey {
        case id, label
        case isDefault = "is_default"
        case priceCredits = "price_credits"
    }
}

/// A personal model, as its owner sees it.
struct PersonalModelJSON: Encodable {
    let id, name, triggerWord, status, trainerModelID: String
    let progress: UInt32
    let error: String?
    let photoIDs: [String]
    let createdAt, finishedAt: String?

    init(_ model: JobsPersonalModel) {
        (self.id, self.name, self.triggerWord, self.status) = (model.id, model.name, model.triggerWord, model.status)
        (self.trainerModelID, self.progress, self.photoIDs) = (
            model.trainerModelID, model.progressPercent, model.photoIds
        )
        self.error = model.error.isEmpty ? nil : model.error
        self.createdAt = rfc3339(model.createdAt)
        self.finishedAt = model.hasFinishedAt ? rfc3339(model.finishedAt) : nil
    }

    enum CodingKeys: String, CodingKey {
        case id, name, status, progress, error
        case triggerWord = "trigger_word"
        case trainerModelID = "trainer_model_id"
        case photoIDs = "photo_ids"
        case createdAt = "created_at"
        case finishedAt = "finished_at"
    }
}

/// POST /api/v1/models: train a model on the caller's training photos.
struct TrainBody: Decodable {
    let name: String
    let triggerWord: String?
    let photoIDs: [String]
    /// A catalogue model of operation train_model (the default trainer when absent).
    let model: String?

    func call(key: String) -> JobsSubmitJobRequest {
        var call = JobsSubmitJobRequest()
        call.inputBlobIds = self.photoIDs
        var step = JobsStep()
        step.operation = "train_model"
        step.parameters["name"] = self.name
        if let word = self.triggerWord { step.parameters["trigger_word"] = word }
        if let model = self.model { step.parameters["model"] = model }
        call.steps = [step]
        call.idempotencyKey = key
        return call
    }

    enum CodingKeys: String, CodingKey {
        case name, model
        case triggerWord = "trigger_word"
        case photoIDs = "photo_ids"
    }
}

/// GET /api/v1/admin/ai/spend: provider cost against revenue (credits charged × the catalogue's
/// price of a credit) per UTC day, operation and provider.
struct SpendJSON: Encodable {
    struct Line: Encodable {
        let day, operation, providerID: String
        let runs, failedRuns, costMicros, chargedCredits, revenueMicros, marginMicros: Int64

        enum CodingKeys: String, CodingKey {
            case day, operation, runs
            case providerID = "provider_id"
            case failedRuns = "failed_runs"
            case costMicros = "cost_micros"
            case chargedCredits = "charged_credits"
            case revenueMicros = "revenue_micros"
            case marginMicros = "margin_micros"
        }
    }
    let days: UInt32
    let creditPriceCents: Int64
    let lines: [Line]
    let totalCostMicros, totalRevenueMicros, totalMarginMicros: Int64

    init(_ report: JobsSpendReport, days: UInt32, creditPriceCents: Int64) {
        (self.days, self.creditPriceCents) = (days, creditPriceCents)
        self.lines = report.lines.map { line in
            let revenue = line.chargedCredits * creditPriceCents * 10_000
            return Line(
                day: line.day, operation: line.operation, providerID: line.providerID, runs: line.runs,
                failedRuns: line.failedRuns, costMicros: line.costMicros, chargedCredits: line.chargedCredits,
                revenueMicros: revenue, marginMicros: revenue - line.costMicros)
        }
        self.totalCostMicros = self.lines.reduce(0) { $0 + $1.costMicros }
        self.totalRevenueMicros = self.lines.reduce(0) { $0 + $1.revenueMicros }
        self.totalMarginMicros = self.totalRevenueMicros - self.totalCostMicros
    }

    enum CodingKeys: String, CodingKey {
        case days, lines
        case creditPriceCents = "credit_price_cents"
        case totalCostMicros = "total_cost_micros"
        case totalRevenueMicros = "total_revenue_micros"
        case totalMarginMicros = "total_margin_micros"
    }
}
