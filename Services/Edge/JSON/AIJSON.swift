import ImageSwissProtos

/// The AI catalogue's JSON (Jobs' ai.proto): providers and models for admins, models and presets
/// for everyone. Credentials are written, never answered: `credential_hint` holds the last four.
struct AIProviderJSON: Codable {
    let id: String?
    let kind: String
    let base_url: String
    let credential: String?
    let credential_hint: String?
    let enabled: Bool?
    let daily_spend_limit_micros: Int64?
    let from_configuration: Bool?
    let spent_today_micros: Int64?

    init(_ provider: JobsAIProvider) {
        (self.id, self.kind, self.base_url, self.credential) = (provider.id, provider.kind, provider.baseURL, nil)
        (self.credential_hint, self.enabled) = (provider.credentialHint, provider.enabled)
        self.daily_spend_limit_micros = provider.dailySpendLimitMicros
        self.from_configuration = provider.fromConfiguration
        self.spent_today_micros = provider.spentTodayMicros
    }

    func call(id: String) -> JobsPutAIProviderRequest {
        var call = JobsPutAIProviderRequest()
        (call.provider.id, call.provider.kind, call.provider.baseURL) = (id, self.kind, self.base_url)
        call.provider.credential = self.credential ?? ""
        call.provider.enabled = self.enabled ?? true
        call.provider.dailySpendLimitMicros = self.daily_spend_limit_micros ?? 0
        return call
    }
}

struct AIModelJSON: Codable {
    let id: String?
    let operation: String
    let provider_id: String?
    let reference: String?
    let parameters: [String: String]?
    let label: String
    /// 0: priced as its operation in the price list.
    let price_credits: Int64?
    let unit_cost_micros: Int64?
    let enabled: Bool?
    let is_default: Bool?
    let from_configuration: Bool?

    /// `admin: false` leaves out where and how it runs.
    init(_ model: JobsAIModel, admin: Bool) {
        (self.id, self.operation, self.label) = (model.id, model.operation, model.label)
        self.provider_id = admin ? model.providerID : nil
        self.reference = admin ? model.reference : nil
        self.parameters = admin ? model.parameters : nil
        self.unit_cost_micros = admin ? model.unitCostMicros : nil
        self.from_configuration = admin ? model.fromConfiguration : nil
        (self.price_credits, self.enabled, self.is_default) = (model.priceCredits, model.enabled, model.isDefault)
    }

    func call(id: String) -> JobsPutAIModelRequest {
        var call = JobsPutAIModelRequest()
        (call.model.id, call.model.operation, call.model.label) = (id, self.operation, self.label)
        call.model.providerID = self.provider_id ?? ""
        call.model.reference = self.reference ?? ""
        call.model.parameters = self.parameters ?? [:]
        call.model.priceCredits = self.price_credits ?? 0
        call.model.unitCostMicros = self.unit_cost_micros ?? 0
        call.model.enabled = self.enabled ?? true
        call.model.isDefault = self.is_default ?? false
        return call
    }
}

struct StylePresetJSON: Codable {
    let id: String?
    let label: String
    let template: String
    let negative_prompt: String?
    let preview_file_id: String?
    let enabled: Bool?
    let position: Int32?
    /// Answers only: a signed link to the preview that anyone may open until it expires.
    var preview_url: String?

    init(_ preset: JobsStylePreset, previewURL: String? = nil) {
        (self.id, self.label, self.template, self.negative_prompt) = (
            preset.id, preset.label, preset.template, preset.negativePrompt
        )
        self.preview_file_id = preset.previewFileID.isEmpty ? nil : preset.previewFileID
        (self.enabled, self.position) = (preset.enabled, preset.position)
        self.preview_url = previewURL
    }

    func call(id: String) -> JobsPutStylePresetRequest {
        var call = JobsPutStylePresetRequest()
        (call.preset.id, call.preset.label, call.preset.template) = (id, self.label, self.template)
        call.preset.negativePrompt = self.negative_prompt ?? ""
        call.preset.previewFileID = self.preview_file_id ?? ""
        call.preset.enabled = self.enabled ?? true
        call.preset.position = self.position ?? 0
        return call
    }
}

/// GET /api/v1/admin/ai.
struct AICatalogueJSON: Encodable {
    let providers: [AIProviderJSON]
    let models: [AIModelJSON]
    let presets: [StylePresetJSON]
    let tier_limits: [TierLimitJSON]

    init(_ catalogue: JobsAICatalogue) {
        self.providers = catalogue.providers.map(AIProviderJSON.init)
        self.models = catalogue.models.map { AIModelJSON($0, admin: true) }
        self.presets = catalogue.presets.map { StylePresetJSON($0) }
        self.tier_limits = catalogue.tierLimits.map(TierLimitJSON.init)
    }
}

/// A tier's daily spend limit for its AI runs at every provider together.
struct TierLimitJSON: Codable {
    var tier_id: String?
    var daily_limit_micros: Int64
    var spent_today_micros: Int64?

    init(_ limit: JobsTierSpendLimit) {
        (self.tier_id, self.daily_limit_micros, self.spent_today_micros) = (
            limit.tierID, limit.dailyLimitMicros, limit.spentTodayMicros
        )
    }

    func call(id: String) -> JobsPutTierSpendLimitRequest {
        var call = JobsPutTierSpendLimitRequest()
        call.limit.tierID = id
        call.limit.dailyLimitMicros = self.daily_limit_micros
        return call
    }
}

/// A model an operation offers, in GET /api/v1/operations.
struct ModelOptionJSON: Encodable {
    let id, label: String
    let is_default: Bool
    let price_credits: Int64

    init(_ option: JobsModelOption) {
        (self.id, self.label, self.is_default, self.price_credits) = (
            option.id, option.label, option.isDefault, option.priceCredits
        )
    }
}

/// A personal model, as its owner sees it.
struct PersonalModelJSON: Encodable {
    let id, name, trigger_word, status, trainer_model_id: String
    let progress: UInt32
    let error: String?
    let photo_ids: [String]
    let created_at, finished_at: String?

    init(_ model: JobsPersonalModel) {
        (self.id, self.name, self.trigger_word, self.status) = (model.id, model.name, model.triggerWord, model.status)
        (self.trainer_model_id, self.progress, self.photo_ids) = (
            model.trainerModelID, model.progressPercent, model.photoIds
        )
        self.error = model.error.isEmpty ? nil : model.error
        self.created_at = rfc3339(model.createdAt)
        self.finished_at = model.hasFinishedAt ? rfc3339(model.finishedAt) : nil
    }
}

/// POST /api/v1/models: train a model on the caller's training photos.
struct TrainBody: Decodable {
    let name: String
    let trigger_word: String?
    let photo_ids: [String]
    /// A catalogue model of operation train_model (the default trainer when absent).
    let model: String?

    func call(key: String) -> JobsSubmitJobRequest {
        var call = JobsSubmitJobRequest()
        call.inputBlobIds = self.photo_ids
        var step = JobsStep()
        step.operation = "train_model"
        step.parameters["name"] = self.name
        if let word = self.trigger_word { step.parameters["trigger_word"] = word }
        if let model = self.model { step.parameters["model"] = model }
        call.steps = [step]
        call.idempotencyKey = key
        return call
    }
}

/// GET /api/v1/admin/ai/spend: provider cost against revenue (credits charged × the catalogue's
/// price of a credit) per UTC day, operation and provider.
struct SpendJSON: Encodable {
    struct Line: Encodable {
        let day, operation, provider_id: String
        let runs, failed_runs, cost_micros, charged_credits, revenue_micros, margin_micros: Int64
    }
    let days: UInt32
    let credit_price_cents: Int64
    let lines: [Line]
    let total_cost_micros, total_revenue_micros, total_margin_micros: Int64

    init(_ report: JobsSpendReport, days: UInt32, creditPriceCents: Int64) {
        (self.days, self.credit_price_cents) = (days, creditPriceCents)
        self.lines = report.lines.map { line in
            let revenue = line.chargedCredits * creditPriceCents * 10_000
            return Line(
                day: line.day, operation: line.operation, provider_id: line.providerID, runs: line.runs,
                failed_runs: line.failedRuns, cost_micros: line.costMicros, charged_credits: line.chargedCredits,
                revenue_micros: revenue, margin_micros: revenue - line.costMicros)
        }
        self.total_cost_micros = self.lines.reduce(0) { $0 + $1.cost_micros }
        self.total_revenue_micros = self.lines.reduce(0) { $0 + $1.revenue_micros }
        self.total_margin_micros = self.total_revenue_micros - self.total_cost_micros
    }
}
