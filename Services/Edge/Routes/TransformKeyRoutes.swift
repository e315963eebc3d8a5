import Foundation
import Hummingbird
import ImageSwissProtos
import Operations
import RPC

/// The owner's side of URL transformations: signing keys (created, listed, deleted — rotation is
/// create, re-sign, delete), named presets, and links signed by the platform for one's own files.
struct TransformKeyRoutes {
    let storage: RPCClient
    let limits: TransformRoutes.TransformLimits
    let publicURL: String

    func add(to router: Router<EdgeRequestContext>) {
        let transformations = router.group("api/v1/transformations")
        transformations.requiring(.scope("files:read")).get("keys", use: self.listKeys)
        transformations.requiring(.scope("files:write")).post("keys", use: self.createKey)
        transformations.requiring(.scope("files:write")).delete("keys/:id", use: self.deleteKey)
        transformations.requiring(.scope("files:read")).get("presets", use: self.listPresets)
        transformations.requiring(.scope("files:write")).put("presets/:name", use: self.putPreset)
        transformations.requiring(.scope("files:write")).delete("presets/:name", use: self.deletePreset)
        router.requiring(.scope("files:read")).post("api/v1/files/:id/transformations", use: self.sign)
    }

    @Sendable func listKeys(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let keys = try await self.storage.unary(
            StorageMethods.listTransformKeys, StorageListTransformKeysRequest(),
            options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(
            ["keys": keys.keys.map(TransformKeyJSON.init)], request: request, context: context)
    }

    /// The secret is in this answer only.
    @Sendable func createKey(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = StorageCreateTransformKeyRequest()
        call.idempotencyKey = Idempotency.key(request)
        let key = try await self.storage.unary(
            StorageMethods.createTransformKey, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(TransformKeyJSON(key), status: .created, request: request, context: context)
    }

    @Sendable func deleteKey(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = StorageDeleteTransformKeyRequest()
        call.keyID = try context.parameters.require("id")
        _ = try await self.storage.unary(
            StorageMethods.deleteTransformKey, call, options: EdgeCalls.options(context, caller))
        return Response(status: .noContent)
    }

    @Sendable func listPresets(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let presets = try await self.storage.unary(
            StorageMethods.listTransformPresets, StorageListTransformPresetsRequest(),
            options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(
            ["presets": presets.presets.map(TransformPresetJSON.init)], request: request, context: context)
    }

    /// The options are checked against the edge's limits here; Storage keeps them.
    @Sendable func putPreset(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: PresetBody.self, context: context)
        do {
            _ = try TransformOptions.parsePreset(body.options, maxSide: self.limits.maxSide)
        } catch {
            throw EdgeError(.badRequest, "invalid_options", error.description, field: "options")
        }
        var call = StoragePutTransformPresetRequest()
        call.name = try context.parameters.require("name")
        call.options = body.options
        let preset = try await self.storage.unary(
            StorageMethods.putTransformPreset, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(TransformPresetJSON(preset), request: request, context: context)
    }

    @Sendable func deletePreset(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = StorageDeleteTransformPresetRequest()
        call.name = try context.parameters.require("name")
        _ = try await self.storage.unary(
            StorageMethods.deleteTransformPreset, call, options: EdgeCalls.options(context, caller))
        return Response(status: .noContent)
    }

    /// POST /api/v1/files/{id}/transformations {"options": "rs:fill:300:300/f:auto", "extension": "webp"}:
    /// a link signed with the caller's newest key. Nothing is computed or charged until it is asked for.
    @Sendable func sign(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: SignBody.self, context: context)
        var call = StorageSignTransformRequest()
        call.fileID = try context.parameters.require("id")
        call.options = body.options
        call.extension = body.fileExtension ?? ""
        call.maxSide = UInt32(self.limits.maxSide)
        let signed = try await self.storage.unary(
            StorageMethods.signTransform, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(
            SignedTransformJSON(url: self.publicURL + signed.path, path: signed.path, keyID: signed.keyID),
            status: .created, request: request, context: context)
    }

    struct PresetBody: Decodable {
        let options: String
    }

    struct SignBody: Decodable {
        let options: String
        let fileExtension: String?

        enum CodingKeys: String, CodingKey {
            case options
            case fileExtension = "extension"
        }
    }
}

struct TransformKeyJSON: Encodable {
    let id: String
    /// Present only when the key was just made.
    let secret: String?
    let secretHint: String
    let createdAt: String?

    init(_ key: StorageTransformKey) {
        self.id = key.keyID
        self.secret = key.secret.isEmpty ? nil : key.secret
        self.secretHint = key.secretHint
        self.createdAt = rfc3339(key.createdAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, secret
        case secretHint = "secret_hint"
        case createdAt = "created_at"
    }
}

struct TransformPresetJSON: Encodable {
    let name: String
    let options: String
    let updatedAt: String?

    init(_ preset: StorageTransformPreset) {
        self.name = preset.name
        self.options = preset.options
        self.updatedAt = rfc3339(preset.updatedAt)
    }

    enum CodingKeys: String, CodingKey {
        case name, options
        case updatedAt = "updated_at"
    }
}

struct SignedTransformJSON: Encodable {
    let url: String
    let path: String
    let keyID: String

    enum CodingKeys: String, CodingKey {
        case url, path
        case keyID = "key_id"
    }
}
