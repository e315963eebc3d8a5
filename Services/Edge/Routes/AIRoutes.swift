import Hummingbird
import ImageSwissProtos
import RPC

/// The AI catalogue (Jobs): GET /api/v1/ai/models and /api/v1/ai/presets for everyone (the
/// generation page's choices); GET /api/v1/admin/ai and PUT/DELETE of
/// /api/v1/admin/ai/{providers,models,presets}/{id} for admins. A PUT names the entry and replaces
/// it whole, so repeating it is harmless; the next quote uses it, without a restart.
struct AIRoutes {
    let jobs: RPCClient
    let billing: RPCClient
    let storage: RPCClient

    func add(to router: Router<EdgeRequestContext>) {
        router.get("api/v1/ai/models", use: self.models)
        router.get("api/v1/ai/presets", use: self.presets)
        let admin = router.group("api/v1/admin/ai").add(middleware: CallerRequirement(need: .admin))
        admin.get(use: self.catalogue)
        admin.get("spend", use: self.spend)
        admin.put("providers/:id", use: self.putProvider)
        admin.put("models/:id", use: self.putModel)
        admin.put("presets/:id", use: self.putPreset)
        admin.put("tier-limits/:id", use: self.putTierLimit)
        for (kind, path) in [
            ("provider", "providers"), ("model", "models"), ("preset", "presets"), ("tier_limit", "tier-limits"),
        ] {
            admin.delete("\(path)/:id") { request, context in
                try await self.remove(kind, request, context: context)
            }
        }
    }

    private func read(_ context: EdgeRequestContext, admin: Bool) async throws -> JobsAICatalogue {
        var options = EdgeCalls.options(context)
        if admin { options = EdgeCalls.options(context, try context.requireCaller()) }
        return try await self.jobs.unary(JobsMethods.getAICatalogue, JobsGetAICatalogueRequest(), options: options)
    }

    @Sendable func models(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let catalogue = try await self.read(context, admin: false)
        return try JSONAnswer.response(
            Page(items: catalogue.models.map { AIModelJSON($0, admin: false) }, nextPageToken: nil), request: request,
            context: context)
    }

    /// The presets, each preview as a link signed for its owner (an hour; a preview that is gone is
    /// left out rather than failing the list).
    @Sendable func presets(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let catalogue = try await self.read(context, admin: false)
        var items: [StylePresetJSON] = []
        for preset in catalogue.presets {
            var previewURL: String?
            if !preset.previewFileID.isEmpty, !preset.previewOwnerID.isEmpty {
                var sign = StorageSignDownloadRequest()
                sign.blobID = preset.previewFileID
                sign.ttlSeconds = 3600
                sign.disposition = "inline"
                let options = EdgeCalls.asService(for: preset.previewOwnerID, context: context)
                previewURL = (try? await self.storage.unary(StorageMethods.signDownload, sign, options: options))
                    .map(DownloadRoutes.path)
            }
            items.append(StylePresetJSON(preset, previewURL: previewURL))
        }
        return try JSONAnswer.response(Page(items: items, nextPageToken: nil), request: request, context: context)
    }

    @Sendable func catalogue(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        try JSONAnswer.response(
            AICatalogueJSON(try await self.read(context, admin: true)), request: request, context: context)
    }

    @Sendable func spend(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let options = EdgeCalls.options(context, caller)
        var call = JobsSpendRequest()
        let days = request.uri.queryParameters["days"].flatMap { UInt32($0) } ?? 30
        call.days = days
        async let report = self.jobs.unary(JobsMethods.getProviderSpend, call, options: options)
        async let catalogue = self.billing.unary(
            BillingMethods.getCatalogue, BillingGetCatalogueRequest(), options: options)
        return try JSONAnswer.response(
            SpendJSON(try await report, days: days, creditPriceCents: try await catalogue.creditPriceCents),
            request: request, context: context)
    }

    @Sendable func putProvider(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let (caller, id) = try Self.adminAndID(context)
        let call = try await request.decode(as: AIProviderJSON.self, context: context).call(id: id)
        let stored = try await self.jobs.unary(
            JobsMethods.putAIProvider, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(AIProviderJSON(stored), request: request, context: context)
    }

    @Sendable func putModel(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let (caller, id) = try Self.adminAndID(context)
        let call = try await request.decode(as: AIModelJSON.self, context: context).call(id: id)
        let stored = try await self.jobs.unary(
            JobsMethods.putAIModel, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(AIModelJSON(stored, admin: true), request: request, context: context)
    }

    @Sendable func putPreset(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let (caller, id) = try Self.adminAndID(context)
        let call = try await request.decode(as: StylePresetJSON.self, context: context).call(id: id)
        let stored = try await self.jobs.unary(
            JobsMethods.putStylePreset, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(StylePresetJSON(stored), request: request, context: context)
    }

    @Sendable func putTierLimit(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let (caller, id) = try Self.adminAndID(context)
        let call = try await request.decode(as: TierLimitJSON.self, context: context).call(id: id)
        let stored = try await self.jobs.unary(
            JobsMethods.putTierSpendLimit, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(TierLimitJSON(stored), request: request, context: context)
    }

    func remove(_ kind: String, _ request: Request, context: EdgeRequestContext) async throws -> Response {
        let (caller, id) = try Self.adminAndID(context)
        var call = JobsDeleteAIEntryRequest()
        (call.kind, call.id) = (kind, id)
        _ = try await self.jobs.unary(JobsMethods.deleteAIEntry, call, options: EdgeCalls.options(context, caller))
        return Response(status: .noContent)
    }

    private static func adminAndID(_ context: EdgeRequestContext) throws -> (VerifiedCaller, String) {
        (try context.requireCaller(), try context.parameters.require("id"))
    }
}
